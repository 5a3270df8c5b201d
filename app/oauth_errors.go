package app

import (
	"errors"
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"kith/models"
)

// Error codes of the sign-in flow through an outside provider. Each callback
// failure has its own, so a page (or a script) can say what happened; none of
// them creates an account, links an identity or starts a session.
const (
	codeInvalidState    = "invalid_state"        // no sign-in in flight here, or its state does not match
	codeSignInCancelled = "sign_in_cancelled"    // the person (or the provider) said no at the provider
	codeSignInExpired   = "sign_in_expired"      // the code expired, was used, or was not issued to this sign-in
	codeSignInFailed    = "sign_in_failed"       // the provider's answer could not be verified
	codeProviderDown    = "provider_unavailable" // the provider cannot be reached, or failed on its side
)

// signInHeadings title the error page of a failed sign-in, which also offers
// the way back to the sign-in page.
var signInHeadings = map[string]string{
	codeInvalidState:              "Sign-in could not be checked",
	codeSignInCancelled:           "Sign-in cancelled",
	codeSignInExpired:             "Sign-in expired",
	codeSignInFailed:              "Sign-in failed",
	codeProviderDown:              "Sign-in provider unavailable",
	models.CodeEmailUnverified:    "Email not verified",
	models.CodeEmailNotAllowed:    "Email domain not allowed",
	models.CodeAccountExists:      "Account already exists",
	models.CodeIdentityLinked:     "Already linked elsewhere",
	models.CodeIdentityIncomplete: "Sign-in failed",
}

var (
	errOAuthState  = models.Errorf(codeInvalidState, "This sign-in could not be checked: it expired, was already used, or did not start in this browser. Start again from the sign-in page.")
	errCancelled   = models.Errorf(codeSignInCancelled, "Sign-in was cancelled at the provider, so you are not signed in. Nothing was changed. Start again from the sign-in page if you like.")
	errCodeStale   = models.Errorf(codeSignInExpired, "The sign-in provider did not accept this sign-in: it expired, was already used, or belongs to another sign-in. Nothing was changed. Start again from the sign-in page.")
	errOAuthFailed = models.Errorf(codeSignInFailed, "The sign-in provider's answer could not be verified, so you are not signed in. Nothing was changed. Start again from the sign-in page.")
	errProvider    = models.Errorf(codeProviderDown, "The sign-in provider cannot be reached just now, or failed on its side. Nothing was changed. Try again in a while.")
)

// callbackError turns the error parameter of a callback (RFC 6749 4.1.2.1)
// into kith's error. The provider's words are not shown: they are its own
// and may say more than the person needs.
func callbackError(code string) error {
	switch code {
	case "access_denied":
		return errCancelled
	case "temporarily_unavailable", "server_error":
		return errProvider
	}
	return models.Errorf(codeSignInFailed, "The sign-in provider refused the sign-in (%s). Nothing was changed. Start again from the sign-in page.", safeWord(code))
}

// exchangeError classifies a failed token exchange: a code the provider no
// longer accepts is the person's to retry; a provider that is unreachable or
// fails on its side is a bad gateway. detail says what happened for the log,
// without the provider's response body, which may echo the code.
func exchangeError(err error) (detail string, out error) {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		detail = "token endpoint answered " + http.StatusText(status) + " " + safeWord(re.ErrorCode)
		switch {
		case re.ErrorCode == "invalid_grant" || re.ErrorCode == "bad_verification_code":
			// GitHub names an expired or used code bad_verification_code,
			// and answers it with 200.
			return detail, errCodeStale
		case status >= 500 || re.ErrorCode == "temporarily_unavailable" || re.ErrorCode == "server_error":
			return detail, errProvider
		}
		// invalid_client, unauthorized_client and the like: kith's
		// configuration at the provider is wrong; the log says which.
		return detail, errOAuthFailed
	}
	return "token endpoint unreachable", errProvider
}

// safeWord keeps an OAuth error code to the characters RFC 6749 allows it
// and a sensible length, for messages and logs.
func safeWord(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.' {
			return r
		}
		return -1
	}, s)
	if len(s) > 40 {
		s = s[:40]
	}
	return s
}

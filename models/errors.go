package models

import (
	"errors"
	"fmt"
)

// Error codes that operations return. The app maps each to an HTTP status and
// to the contract's error body; the codes themselves are part of the API.
const (
	CodeInvalid            = "invalid_input"        // a field fails validation
	CodeUnauthorized       = "unauthorized"         // not signed in
	CodeInvalidCredentials = "invalid_credentials"  //nolint:gosec // G101: an error code, not a credential
	CodeForbidden          = "forbidden"            // signed in, but not allowed
	CodeNotMember          = "not_a_member"         // the act needs membership of the space
	CodeSuspended          = "suspended"            // the account is suspended
	CodeNotFound           = "not_found"            // absent, or hidden from the actor
	CodeConflict           = "conflict"             // the act clashes with what is stored
	CodeEmailTaken         = "email_taken"          // sign-up with a known email
	CodeSlugTaken          = "slug_taken"           // a space with that slug exists
	CodeAlreadyMember      = "already_member"       // joining twice
	CodeRequestPending     = "join_request_pending" // asking twice
	CodePurposeNotAffirmed = "purpose_not_affirmed" // a join without the current purpose version
	CodeLocked             = "thread_locked"        // replying to a locked thread
	CodeArchived           = "space_archived"       // writing to an archived space
	CodeSignupClosed       = "signup_closed"        // local sign-up is off
	CodeRemoved            = "removed"              // removed for conduct; cannot rejoin until lifted
	CodeNotSteward         = "not_a_steward"        // the act needs the steward duty in the space
	CodeAlreadyDecided     = "already_decided"      // answering a request, invitation or offer twice
	CodeExpired            = "expired"              // an invitation past its date
	CodeInvitationPending  = "invitation_pending"   // inviting a person whose invitation waits for an answer
	CodeInvalidQuery       = "invalid_query"        // a search that is empty, too long or malformed
)

// Error is a domain error: a stable code for programs and a message for people.
type Error struct {
	Code    string
	Message string
	Field   string // the input field at fault, when there is one
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns a domain error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// invalid returns a validation error about one field.
func invalid(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the domain code of err, or "" when err is not a domain error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

var (
	errSignInRequired = Errorf(CodeUnauthorized, "Sign in first.")
	errSpaceNotFound  = Errorf(CodeNotFound, "No such space, or it is not visible to you.")
	errThreadNotFound = Errorf(CodeNotFound, "No such thread, or it is not visible to you.")
	errPostNotFound   = Errorf(CodeNotFound, "No such post, or it is not visible to you.")
	errMemberNotFound = Errorf(CodeNotFound, "No such member.")
)

package app

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"kith/static"
)

// routes registers every route of kith in one place. Guards are coarse and
// apply to whole groups; the rules themselves live in models.
func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	if s.cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	} else {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: s.logPanic}))
	e.Use(s.logRequests)
	e.Use(securityHeaders)
	e.Use(middleware.BodyLimit(itoa64(s.cfg.MaxBodyBytes)))
	e.Use(parseForm)
	e.Use(s.authenticate)
	e.Use(s.csrf)

	e.GET("/healthz", s.healthz)
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", static.Handler())))

	signup := s.rateLimit(s.cfg.SignupsPerHour, 3600)
	login := s.rateLimit(s.cfg.LoginsPerMinute, 60)
	token := s.rateLimit(s.cfg.TokensPerMinute, 60)
	search := s.rateLimit(s.cfg.SearchesPerMinute, 60)

	// Pages.
	e.GET("/", s.homePage)
	e.GET("/signup", s.signupPage)
	e.POST("/signup", s.signupSubmit, sameOrigin, signup)
	e.GET("/login", s.loginPage)
	e.POST("/login", s.loginSubmit, sameOrigin, login)
	e.POST("/logout", s.logoutSubmit)
	e.GET("/auth/:provider", s.authStart, login)
	e.GET("/auth/:provider/callback", s.authCallback, login)
	e.GET("/spaces/new", s.newSpacePage)
	e.POST("/spaces", s.createSpaceSubmit)
	e.GET("/s/:slug", s.spacePage)
	e.POST("/s/:slug/join", s.joinSubmit)
	e.POST("/s/:slug/leave", s.leaveSubmit)
	e.GET("/s/:slug/members", s.membersPage)
	e.GET("/s/:slug/purpose", s.purposePage)
	e.GET("/s/:slug/new", s.newThreadPage)
	e.POST("/s/:slug/threads", s.createThreadSubmit)
	e.GET("/t/:id", s.threadPage)
	e.POST("/t/:id/posts", s.replySubmit)
	e.GET("/p/:id/edit", s.editPostPage)
	e.POST("/p/:id/edit", s.editPostSubmit)
	e.GET("/p/:id/history", s.postHistoryPage)
	e.GET("/m/:id", s.memberPage)
	e.GET("/settings", s.settingsPage)
	e.POST("/settings/tokens", s.createTokenSubmit, token)
	e.POST("/settings/tokens/:id/revoke", s.revokeTokenSubmit)
	e.POST("/settings/sessions/:id/end", s.endSessionSubmit)
	e.POST("/settings/identities/:id/unlink", s.unlinkIdentitySubmit)
	// Pages: join requests and notifications.
	e.GET("/notifications", s.notificationsPage)
	e.POST("/notifications/read", s.readAllSubmit)
	e.POST("/notifications/:id/open", s.openNoticeSubmit)
	e.GET("/s/:slug/requests", s.joinRequestsPage)
	e.POST("/join-requests/:id/approve", s.approveSubmit)
	e.POST("/join-requests/:id/deny", s.denySubmit)
	// Pages: invitations and successor spaces.
	e.GET("/s/:slug/invite", s.invitePage)
	e.POST("/s/:slug/invitations", s.inviteSubmit)
	e.GET("/invitations", s.invitationsPage)
	e.POST("/invitations/:id/accept", s.acceptInvitationSubmit)
	e.POST("/invitations/:id/decline", s.declineInvitationSubmit)
	e.POST("/invitations/:id/withdraw", s.withdrawInvitationSubmit)
	e.GET("/s/:slug/successor", s.successorPage)
	e.POST("/s/:slug/successor", s.successorSubmit)
	// Pages: removals and stewardship.
	e.GET("/s/:slug/stewardship", s.stewardshipPage)
	e.POST("/s/:slug/removals", s.removeSubmit)
	e.POST("/removals/:id/lift", s.liftSubmit)
	e.POST("/s/:slug/steward-offers", s.offerSubmit)
	e.POST("/s/:slug/stewardship/resign", s.resignSubmit)
	e.GET("/offers", s.offersPage)
	e.POST("/offers/:id/accept", s.acceptOfferSubmit)
	e.POST("/offers/:id/decline", s.declineOfferSubmit)
	e.GET("/admin/spaces/unstewarded", s.unstewardedPage)
	// Pages: purpose by consent.
	e.POST("/s/:slug/purpose/proposals", s.proposeSubmit)
	e.POST("/s/:slug/purpose/affirm", s.affirmSubmit)
	e.GET("/purpose-proposals/:id", s.proposalPage)
	e.POST("/purpose-proposals/:id/responses", s.respondSubmit)
	// Pages: search.
	e.GET("/search", s.searchPage, search)

	// The JSON API of DESIGN.md section 4.
	api := e.Group("/api/v1")
	api.POST("/auth/signup", s.apiSignup, sameOrigin, signup)
	api.POST("/auth/login", s.apiLogin, sameOrigin, login)
	api.POST("/auth/token", s.apiToken, sameOrigin, token)
	api.POST("/auth/logout", s.apiLogout)
	api.GET("/me", s.apiMe)
	api.GET("/me/sessions", s.apiMySessions)
	api.DELETE("/me/sessions/:id", s.apiEndSession)
	api.GET("/me/identities", s.apiMyIdentities)
	api.DELETE("/me/identities/:id", s.apiUnlinkIdentity)
	api.GET("/spaces", s.apiListSpaces)
	api.POST("/spaces", s.apiCreateSpace)
	api.GET("/spaces/:slug", s.apiGetSpace)
	api.GET("/spaces/:slug/purpose", s.apiPurpose)
	api.POST("/spaces/:slug/join", s.apiJoin)
	api.POST("/spaces/:slug/leave", s.apiLeave)
	api.GET("/spaces/:slug/members", s.apiMembers)
	api.GET("/spaces/:slug/threads", s.apiListThreads)
	api.POST("/spaces/:slug/threads", s.apiCreateThread)
	api.GET("/threads/:id", s.apiGetThread)
	api.POST("/threads/:id/posts", s.apiCreatePost)
	api.GET("/posts/:id", s.apiGetPost)
	api.PATCH("/posts/:id", s.apiEditPost)
	api.GET("/posts/:id/revisions", s.apiPostRevisions)
	// API: join requests and notifications.
	api.GET("/spaces/:slug/join-requests", s.apiJoinRequests)
	api.POST("/join-requests/:id/approve", s.apiApproveJoinRequest)
	api.POST("/join-requests/:id/deny", s.apiDenyJoinRequest)
	api.GET("/notifications", s.apiNotifications)
	api.POST("/notifications/read", s.apiReadNotifications)
	// API: invitations and successor spaces.
	api.POST("/spaces/:slug/invitations", s.apiInvite)
	api.GET("/spaces/:slug/invitations", s.apiSpaceInvitations)
	api.GET("/invitations", s.apiMyInvitations)
	api.POST("/invitations/:id/accept", s.apiAcceptInvitation)
	api.POST("/invitations/:id/decline", s.apiDeclineInvitation)
	api.POST("/invitations/:id/withdraw", s.apiWithdrawInvitation)
	api.GET("/members", s.apiSearchMembers)
	api.POST("/spaces/:slug/successor", s.apiStartSuccessor)
	// API: removals and stewardship.
	api.POST("/spaces/:slug/removals", s.apiRemoveMember)
	api.GET("/spaces/:slug/removals", s.apiRemovals)
	api.POST("/removals/:id/lift", s.apiLiftRemoval)
	api.POST("/spaces/:slug/steward-offers", s.apiOfferStewardship)
	api.GET("/steward-offers", s.apiMyStewardOffers)
	api.POST("/steward-offers/:id/accept", s.apiAcceptStewardOffer)
	api.POST("/steward-offers/:id/decline", s.apiDeclineStewardOffer)
	api.POST("/spaces/:slug/stewardship/resign", s.apiResignStewardship)
	api.GET("/spaces/:slug/audit", s.apiSpaceAudit)
	api.GET("/admin/audit", s.apiAuditLog)
	api.GET("/admin/spaces/unstewarded", s.apiUnstewardedSpaces)
	// API: purpose by consent.
	api.POST("/spaces/:slug/purpose/proposals", s.apiProposePurpose)
	api.POST("/spaces/:slug/purpose/affirm", s.apiAffirmPurpose)
	api.GET("/purpose-proposals/:id", s.apiGetProposal)
	api.POST("/purpose-proposals/:id/responses", s.apiRespondToProposal)
	// API: search.
	api.GET("/search", s.apiSearch, search)
	// API: live updates (a websocket).
	api.GET("/live", s.apiLive)
	api.Any("/*", func(c echo.Context) error { return errNoRoute })
	return e
}

func (s *Server) healthz(c echo.Context) error {
	if err := s.store.Ping(c.Request().Context()); err != nil {
		return c.String(http.StatusServiceUnavailable, "database unreachable\n")
	}
	return c.String(http.StatusOK, "ok\n")
}

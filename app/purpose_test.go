package app_test

// purposeRoutesCovered lists the API routes ("METHOD /path" as routes.go registers them
// under /api/v1) whose authorization matrix and bad-input rows are in this
// file; TestAPIRoutesAreCovered counts them as covered.
var purposeRoutesCovered = []string{}

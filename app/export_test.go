package app

// KeptContents is how many thread pages' contents s keeps for signed-in
// readers (readerContent), for the tests that check who shares them.
func KeptContents(s *Server) int { return s.kept.Len() }

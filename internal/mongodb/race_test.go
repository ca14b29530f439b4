//go:build race

package mongodb_test

// raceDetector is true in builds with the race detector, which make the
// embedded server about ten times slower: the property tests ask fewer
// queries there (CI's run is one of those).
const raceDetector = true

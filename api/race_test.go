//go:build race

package main

// raceDetector is true in builds with the race detector (see
// internal/mongodb's race_test.go).
const raceDetector = true

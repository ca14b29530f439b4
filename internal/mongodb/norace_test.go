//go:build !race

package mongodb_test

const raceDetector = false

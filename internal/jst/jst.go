// Package jst is Japan Standard Time, the calendar Kizuna's members live by:
// daily and monthly jobs, dates in texts to people, quiet hours.
package jst

import "time"

// Zone is UTC+9 with no daylight saving time (Japan has none), fixed so that
// no tzdata is needed in the container image.
var Zone = time.FixedZone("JST", 9*60*60)

package demo

import (
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/internal/jst"
)

func TestSecondWednesday(t *testing.T) {
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, jst.Zone) }
	cases := []struct {
		name string
		from time.Time
		want time.Time
	}{
		{"early in the month", at(2026, time.December, 1, 9, 0), at(2026, time.December, 9, 20, 0)},
		{"on the day, before the evening", at(2026, time.December, 9, 19, 0), at(2026, time.December, 9, 20, 0)},
		{"on the day, at its start: next month", at(2026, time.December, 9, 20, 0), at(2027, time.January, 13, 20, 0)},
		{"past it, into the next year", at(2026, time.December, 20, 9, 0), at(2027, time.January, 13, 20, 0)},
		{"a month starting on a Wednesday", at(2027, time.September, 1, 0, 0), at(2027, time.September, 8, 20, 0)},
		{"a month starting on a Thursday", at(2026, time.October, 1, 0, 0), at(2026, time.October, 14, 20, 0)},
		{"given in UTC, late on the day before in Japan", time.Date(2026, time.December, 8, 16, 0, 0, 0, time.UTC), at(2026, time.December, 9, 20, 0)},
	}
	for _, c := range cases {
		got := secondWednesday(c.from, 20, 0)
		if !got.Equal(c.want) || got.Weekday() != time.Wednesday {
			t.Errorf("%s: secondWednesday(%s) = %s, want %s", c.name, c.from, got, c.want)
		}
	}
}

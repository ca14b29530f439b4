package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Every list pages with limit and the cursor it hands out: nextCursor on a
// page with more after it, absent on the last, every item once.
func TestEveryListPages(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.admin()
	org := ta.organizer("paging")
	f := ta.newFounder("頁めくり", "01207")
	m1 := ta.newMentor("頁一", "01207", "sales")
	m2 := ta.newMentor("頁二", "01207", "sales")
	ms1 := ta.mentorship(f, m1, "sales")
	ms2 := ta.mentorship(f, m2, "sales")
	ta.touch(f, ms1)
	ta.touch(m1, ms1)
	c1 := ta.newCommunity(org, "十勝一", "01207")
	ta.newCommunity(org, "十勝二", "01207")
	ta.newEvent(org, c1.ID, 10, 24*time.Hour)
	ta.newEvent(org, c1.ID, 10, 48*time.Hour)
	ta.post("/v1/admin/mentors/"+m1.ID+"/verify", admin.Access, nil).want(http.StatusOK)
	for _, reason := range []string{"spam", "other"} {
		ta.post("/v1/reports", f.Access, map[string]string{"subjectUserId": m1.ID, "communityId": c1.ID, "reason": reason, "detail": "頁"}).want(http.StatusCreated)
	}

	// other: the same cursor sent there (other filters, or another list)
	// is refused with cursor_mismatch.
	for _, tc := range []struct{ path, token, other string }{
		{"/v1/match-requests", f.Access, "/v1/mentorships?"},
		{"/v1/introductions?as=founder", f.Access, "/v1/introductions?as=founder&status=pending&"},
		{"/v1/mentorships", f.Access, "/v1/mentorships?status=active&"},
		{"/v1/mentorships/" + ms1 + "/touchpoints", f.Access, "/v1/mentorships/" + ms2 + "/touchpoints?"},
		{"/v1/communities?near=01207", f.Access, "/v1/communities?near=01101&"},
		{"/v1/events?near=01207", f.Access, "/v1/events?near=01207&tag=free&"},
		{"/v1/reports", admin.Access, "/v1/reports?status=open&"},
		{"/v1/admin/audit", admin.Access, "/v1/reports?"}, // the organizer's grant and m1's verification
	} {
		t.Run(tc.path, func(t *testing.T) {
			ta := ta.in(t)
			sep := "?"
			if strings.Contains(tc.path, "?") {
				sep = "&"
			}
			seen := map[string]bool{}
			cursor := ""
			for page := 1; ; page++ {
				var body struct {
					Items []struct {
						ID string `json:"id"`
					} `json:"items"`
					NextCursor *string `json:"nextCursor"`
				}
				ta.get(tc.path+sep+"limit=1&cursor="+url.QueryEscape(cursor), tc.token).want(http.StatusOK).decode(&body)
				for _, it := range body.Items {
					if seen[it.ID] {
						t.Fatalf("page %d repeats %s", page, it.ID)
					}
					seen[it.ID] = true
				}
				if body.NextCursor == nil {
					break
				}
				if *body.NextCursor == "" || len(body.Items) != 1 {
					t.Fatalf("page %d: %d items, nextCursor %q", page, len(body.Items), *body.NextCursor)
				}
				cursor = *body.NextCursor
				ta.get(tc.other+"limit=1&cursor="+url.QueryEscape(cursor), tc.token).wantProblem(http.StatusBadRequest, "cursor_mismatch")
				if page > 10 {
					t.Fatal("more than 10 pages of one")
				}
			}
			if len(seen) < 2 {
				t.Fatalf("%d items in all, want at least 2 (so a page had a next)", len(seen))
			}
		})
	}
}

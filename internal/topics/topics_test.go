package topics

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

var slugPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func isASCII(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r > unicode.MaxASCII })
}

func TestSize(t *testing.T) {
	tx := New()
	n := tx.Len()
	if n < 25 || n > 40 {
		t.Errorf("Len() = %d, want 25..40", n)
	}
	if n > MaxTopics || len(topicList()) > MaxTopics {
		t.Errorf("%d topics do not fit a %d-bit mask", n, MaxTopics)
	}
	if len(tx.All()) != n {
		t.Errorf("len(All()) = %d, Len() = %d", len(tx.All()), n)
	}
	if g := len(tx.Groups()); g < 5 || g > 7 {
		t.Errorf("%d groups, want 5..7", g)
	}
}

func TestGroups(t *testing.T) {
	tx := New()
	seen := map[string]bool{}
	members := map[string]int{}
	for _, tp := range tx.All() {
		members[tp.Group]++
	}
	for _, g := range tx.Groups() {
		t.Run(g.Slug, func(t *testing.T) {
			if !slugPattern.MatchString(g.Slug) {
				t.Errorf("group slug %q does not match %s", g.Slug, slugPattern)
			}
			if seen[g.Slug] {
				t.Errorf("duplicate group %q", g.Slug)
			}
			seen[g.Slug] = true
			if g.Ja == "" || isASCII(g.Ja) {
				t.Errorf("group %q: Ja %q should be Japanese", g.Slug, g.Ja)
			}
			if g.En == "" || !isASCII(g.En) {
				t.Errorf("group %q: En %q should be plain English", g.Slug, g.En)
			}
			if members[g.Slug] == 0 {
				t.Errorf("group %q has no topics", g.Slug)
			}
		})
	}
}

func TestTopics(t *testing.T) {
	tx := New()
	groupSet := map[string]bool{}
	for _, g := range tx.Groups() {
		groupSet[g.Slug] = true
	}
	slugs := map[string]bool{}
	ja := map[string]string{}
	for _, tp := range tx.All() {
		t.Run(tp.Slug, func(t *testing.T) {
			if !slugPattern.MatchString(tp.Slug) {
				t.Errorf("slug %q does not match %s", tp.Slug, slugPattern)
			}
			if slugs[tp.Slug] {
				t.Errorf("duplicate slug %q", tp.Slug)
			}
			slugs[tp.Slug] = true
			if !groupSet[tp.Group] {
				t.Errorf("topic %q: unknown group %q", tp.Slug, tp.Group)
			}
			// Ja must read as Japanese and En as English, which also
			// catches the two columns being swapped in the table.
			if tp.Ja == "" || isASCII(tp.Ja) {
				t.Errorf("topic %q: Ja %q should be Japanese", tp.Slug, tp.Ja)
			}
			if tp.En == "" || !isASCII(tp.En) {
				t.Errorf("topic %q: En %q should be plain English", tp.Slug, tp.En)
			}
			if prev, dup := ja[tp.Ja]; dup {
				t.Errorf("topics %q and %q share the name %q", prev, tp.Slug, tp.Ja)
			}
			ja[tp.Ja] = tp.Slug
		})
	}
}

func TestRequiredSlugs(t *testing.T) {
	tx := New()
	required := []string{
		"sales", "marketing", "fundraising", "hiring", "accounting", "legal", "it_dx",
		"manufacturing", "food", "tourism", "agriculture", "succession", "export", "public_grants",
		// Regional needs called out when the list was drawn up.
		"fisheries", "local_branding", "ecommerce", "bank_loans", "crowdfunding", "startup_basics",
		"founder_wellbeing", "overseas_expansion", "ip", "tax",
	}
	for _, slug := range required {
		if _, ok := tx.Get(slug); !ok {
			t.Errorf("required topic %q missing", slug)
		}
	}
}

func TestIndexConsistentWithAll(t *testing.T) {
	tx := New()
	all := tx.All()
	for i, tp := range all {
		got, ok := tx.Index(tp.Slug)
		if !ok || got != i {
			t.Errorf("Index(%q) = %d, %v; want %d", tp.Slug, got, ok, i)
		}
		if g, ok := tx.Get(tp.Slug); !ok || g != tp {
			t.Errorf("Get(%q) = %+v, %v; want %+v", tp.Slug, g, ok, tp)
		}
	}
	for _, slug := range []string{"", "Sales", "unknown", "sales "} {
		if _, ok := tx.Index(slug); ok {
			t.Errorf("Index(%q) found, want not found", slug)
		}
		if _, ok := tx.Get(slug); ok {
			t.Errorf("Get(%q) found, want not found", slug)
		}
	}
	// A set of every topic must fit in a uint64 without collisions.
	var mask uint64
	for _, tp := range all {
		i, _ := tx.Index(tp.Slug)
		if i < 0 || i >= MaxTopics || mask&(1<<i) != 0 {
			t.Fatalf("bit %d for %q is out of range or reused", i, tp.Slug)
		}
		mask |= 1 << i
	}
}

func TestAllIsGroupedInGroupOrder(t *testing.T) {
	tx := New()
	var order []string
	for _, g := range tx.Groups() {
		order = append(order, g.Slug)
	}
	last := -1
	for _, tp := range tx.All() {
		gi := slices.Index(order, tp.Group)
		if gi < last {
			t.Fatalf("topic %q (group %s) comes after a later group", tp.Slug, tp.Group)
		}
		last = gi
	}
	// The source table is already grouped, so it reads in All() order.
	src := topicList()
	for i, tp := range tx.All() {
		if src[i] != tp {
			t.Fatalf("topicList()[%d] = %q but All()[%d] = %q: keep the table grouped", i, src[i].Slug, i, tp.Slug)
		}
	}
}

// Pins the current bit numbers. Changing them is allowed (masks are not
// persisted) but must be deliberate: update this list in the same change.
func TestOrderPinned(t *testing.T) {
	want := []string{
		"startup_basics", "business_plan", "product_development", "pricing", "succession",
		"sales", "marketing", "branding", "pr", "ecommerce", "export", "overseas_expansion",
		"fundraising", "bank_loans", "crowdfunding", "public_grants", "accounting", "tax",
		"hiring", "hr_development", "organization", "external_talent", "founder_wellbeing",
		"legal", "ip", "it_dx", "logistics",
		"manufacturing", "food", "tourism", "agriculture", "fisheries", "healthcare_welfare",
		"local_branding", "community_building", "public_partnership",
	}
	var got []string
	for _, tp := range New().All() {
		got = append(got, tp.Slug)
	}
	if !slices.Equal(got, want) {
		t.Errorf("All() order changed:\n got %v\nwant %v", got, want)
	}
}

func TestReturnedSlicesAreCopies(t *testing.T) {
	tx := New()
	all := tx.All()
	all[0].Ja = "changed"
	all[0] = Topic{Slug: "x"}
	if tp, _ := tx.Get("startup_basics"); tp.Ja != "創業・起業の準備" {
		t.Error("All() shares its backing array")
	}
	if tx.All()[0].Slug != "startup_basics" {
		t.Error("All() shares its backing array")
	}
	gs := tx.Groups()
	gs[0].Ja = "changed"
	if tx.Groups()[0].Ja != "事業づくり" {
		t.Error("Groups() shares its backing array")
	}
	// Two taxonomies are independent.
	if New().All()[0].Ja != "創業・起業の準備" {
		t.Error("New() shares state")
	}
}

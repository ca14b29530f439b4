// Package demo seeds an empty database with a living Hokkaido community:
// about 60 mentors and 40 founders across the prefecture, open requests,
// introductions, active and completed mentorships with touchpoints, two
// communities with posts and upcoming events, and members who drifted away.
// Every person, company and story is invented.
//
// It writes through the real services, so every invariant holds, and it moves
// the services' clock through the past months to give the data a history
// (old contacts, lapsed members, recent requests), then back to the present.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/community"
	"github.com/kizuna-dev/kizuna/internal/jst"
	"github.com/kizuna-dev/kizuna/internal/mentorships"
	"github.com/kizuna-dev/kizuna/internal/profiles"
)

// Password is every demo account's password.
const Password = "kizuna-demo-2026"

// Well-known demo accounts (see the README).
const (
	OrganizerEmail = "organizer@demo.kizuna.example"
	FounderEmail   = "founder@demo.kizuna.example"
	MentorEmail    = "mentor@demo.kizuna.example"
)

// Clock is the services' clock, which the seeder moves.
type Clock interface {
	Now() time.Time
	Advance(time.Duration)
}

// Deps are the services the seeder writes through.
type Deps struct {
	Accounts    *accounts.Service
	Profiles    *profiles.Service
	Mentorships *mentorships.Service
	Community   *community.Service
	// Empty reports whether the database holds no accounts yet.
	Empty func(context.Context) (bool, error)
	Clock Clock
	Log   *slog.Logger
}

// Summary counts what was seeded.
type Summary struct {
	Mentors, Founders, Requests, Introductions, Active, Completed, Communities, Events, Lapsed int
}

const day = 24 * time.Hour

// history is how far back the demo's story starts.
const history = 200 * day

// Seed fills an empty database; on a database that already has accounts it
// does nothing and says so (seeded false).
func Seed(ctx context.Context, d Deps) (Summary, bool, error) {
	empty, err := d.Empty(ctx)
	if err != nil {
		return Summary{}, false, err
	}
	if !empty {
		d.Log.InfoContext(ctx, "demo: the database is not empty; nothing seeded")
		return Summary{}, false, nil
	}
	s := &seeder{Deps: d, r: rand.New(rand.NewPCG(2026, 11)), moved: 0}
	// Whatever happens, the clock goes back to the present.
	defer func() { d.Clock.Advance(-s.moved) }()
	if err := s.run(ctx); err != nil {
		return s.sum, false, fmt.Errorf("demo: %w", err)
	}
	return s.sum, true, nil
}

type person struct {
	accounts.Principal
	Email string
	Name  string
}

type seeder struct {
	Deps
	r       *rand.Rand
	moved   time.Duration // net clock movement, undone at the end
	sum     Summary
	mentors []person
	// founders with their area and needs
	founders []founder
	org      person
	tokachi  community.Community
	doo      community.Community
}

type founder struct {
	person
	Municipality string
	Topics       []string
}

// at moves the clock to the present minus ago.
func (s *seeder) at(ago time.Duration) {
	target := -ago
	s.Clock.Advance(target - s.moved)
	s.moved = target
}

func (s *seeder) run(ctx context.Context) error {
	s.at(history)
	if err := s.people(ctx); err != nil {
		return err
	}
	if err := s.communities(ctx); err != nil {
		return err
	}
	if err := s.relationships(ctx); err != nil {
		return err
	}
	if err := s.requests(ctx); err != nil {
		return err
	}
	if err := s.events(ctx); err != nil {
		return err
	}
	if err := s.newcomers(ctx); err != nil {
		return err
	}
	s.at(0)
	return nil
}

// register signs a person up at the current (moved) time.
func (s *seeder) register(ctx context.Context, email, name string, roles ...accounts.Role) (person, error) {
	u, _, err := s.Accounts.Register(ctx, accounts.RegisterInput{Email: email, Password: Password, DisplayName: name, Roles: roles, Locale: "ja", Verified: true})
	if err != nil {
		return person{}, fmt.Errorf("register %s: %w", email, err)
	}
	return person{Principal: accounts.Principal{UserID: u.ID, Roles: u.Roles, Locale: u.Locale, EmailVerified: true}, Email: email, Name: name}, nil
}

func (s *seeder) people(ctx context.Context) error {
	// The organizer: a mentor in 帯広 who runs the 十勝 community.
	org, err := s.register(ctx, OrganizerEmail, "鈴木 真理子", accounts.RoleMentor)
	if err != nil {
		return err
	}
	// Seeding acts for the operators who would grant this role; the demo is
	// in-process code, not a request.
	system := accounts.Principal{Roles: []accounts.Role{accounts.RoleAdmin}}
	u, err := s.Accounts.GrantRole(ctx, system, org.UserID, accounts.RoleOrganizer)
	if err != nil {
		return err
	}
	org.Roles = u.Roles
	s.org = org
	if err := s.mentorProfile(ctx, org, mentorSpec{"01207", organizerBackground, 40}); err != nil {
		return err
	}
	s.mentors = append(s.mentors, org)

	for i, spec := range mentorSpecs() {
		email := fmt.Sprintf("mentor%02d@demo.kizuna.example", i+1)
		if i == 0 {
			email = MentorEmail
		}
		p, err := s.register(ctx, email, s.name(i), accounts.RoleMentor)
		if err != nil {
			return err
		}
		if err := s.mentorProfile(ctx, p, spec); err != nil {
			return err
		}
		s.mentors = append(s.mentors, p)
	}
	for i, spec := range founderSpecs() {
		email := fmt.Sprintf("founder%02d@demo.kizuna.example", i+1)
		if i == 0 {
			email = FounderEmail
		}
		p, err := s.register(ctx, email, s.name(100+i), accounts.RoleFounder)
		if err != nil {
			return err
		}
		_, _, err = s.Profiles.PutFounder(ctx, p.Principal, profiles.FounderInput{
			CompanyName: spec.Company, Stage: spec.Stage, Industry: spec.Industry,
			Location: &profiles.LocationInput{MunicipalityCode: spec.Municipality}, TopicsNeeded: spec.Topics, Bio: spec.Bio,
		}, nil)
		if err != nil {
			return fmt.Errorf("founder profile %s: %w", spec.Company, err)
		}
		s.founders = append(s.founders, founder{person: p, Municipality: spec.Municipality, Topics: spec.Topics})
	}
	s.sum.Mentors, s.sum.Founders = len(s.mentors), len(s.founders)
	return nil
}

func (s *seeder) mentorProfile(ctx context.Context, p person, spec mentorSpec) error {
	b := spec.bg
	modes := []string{"in_person", "online"}
	if s.r.IntN(3) == 0 {
		modes = append(modes, "phone")
	}
	if b.onlineOnly {
		modes = []string{"online", "phone"}
	}
	_, _, err := s.Profiles.PutMentor(ctx, p.Principal, profiles.MentorInput{
		Headline: b.headline, Bio: b.bio, Topics: b.topics, Tags: b.tags, Industries: b.industries,
		Location: &profiles.LocationInput{MunicipalityCode: spec.municipality}, TravelKm: spec.travelKm,
		Modes: modes, Languages: []string{"ja"}, Capacity: 1 + s.r.IntN(3), AcceptingRequests: true,
		YearsExperience: 8 + s.r.IntN(30), Stakes: b.stakes, Independent: len(b.stakes) == 0 && s.r.IntN(2) == 0,
	}, nil)
	if err != nil {
		return fmt.Errorf("mentor profile %s: %w", p.Email, err)
	}
	if s.r.IntN(3) == 0 {
		if _, err := s.Profiles.SetVerified(ctx, s.org.Principal, p.UserID, true); err != nil {
			return err
		}
	}
	return nil
}

func (s *seeder) name(i int) string {
	return familyNames[i%len(familyNames)] + " " + givenNames[(i*7+3)%len(givenNames)]
}

func (s *seeder) communities(ctx context.Context) error {
	var err error
	s.tokachi, err = s.Community.Create(ctx, s.org.Principal, community.CommunityInput{
		Name: "十勝・帯広 起業者コミュニティ", NameEn: "Tokachi-Obihiro Founders",
		Description:       "十勝で事業を営む人、これから始める人、応援するメンターの集まりです。参加無料・出入り自由。月に一度の短い相談会と、オンライン雑談をしています。",
		PrefectureCodes:   []string{"01"},
		MunicipalityCodes: []string{"01207", "01631", "01632", "01633", "01634", "01635", "01636", "01637", "01638", "01639", "01641", "01642", "01643", "01644", "01645", "01646", "01647", "01648", "01649"},
	})
	if err != nil {
		return err
	}
	s.doo, err = s.Community.Create(ctx, s.org.Principal, community.CommunityInput{
		Name: "北海道 地域起業ネットワーク", NameEn: "Hokkaido Regional Founders Network",
		Description:     "道内どこからでも参加できる、地域で起業する人のネットワーク。札幌に出なくても相談できる場所をつくります。",
		PrefectureCodes: []string{"01"},
	})
	if err != nil {
		return err
	}
	s.sum.Communities = 2
	// Almost everyone joins the network; the 十勝 people join 十勝 too.
	for i, p := range append(s.mentors, founderPeople(s.founders)...) {
		if i%6 != 5 {
			if _, err := s.Community.Join(ctx, p.Principal, s.doo.ID); err != nil {
				return err
			}
		}
	}
	for _, f := range s.founders {
		if inTokachi(f.Municipality) {
			if _, err := s.Community.Join(ctx, f.Principal, s.tokachi.ID); err != nil {
				return err
			}
		}
	}
	for _, m := range s.mentors[:8] {
		if _, err := s.Community.Join(ctx, m.Principal, s.tokachi.ID); err != nil {
			return err
		}
	}
	// Early posts, while everyone was keen.
	posts := []struct {
		who  person
		c    community.Community
		body string
		pin  bool
	}{
		{s.org, s.tokachi, "ようこそ！このコミュニティは参加無料です。困りごとは気軽に投稿してください。月に一度、30分の相談会をしています。", true},
		{s.founders[0].person, s.tokachi, "チーズの道外向け販路で悩んでいます。展示会に出たことのある方、話を聞かせてください。", false},
		{s.org, s.doo, "道内どこからでも参加できるネットワークです。オンラインの雑談会は毎月第2水曜の夜です。", true},
		{s.mentors[1], s.doo, "地方銀行で融資を担当していました。創業融資や補助金の相談なら、電話でもお気軽に。", false},
	}
	for _, p := range posts {
		post, err := s.Community.CreatePost(ctx, p.who.Principal, p.c.ID, p.body)
		if err != nil {
			return err
		}
		if p.pin {
			if _, err := s.Community.PinPost(ctx, s.org.Principal, post.ID, true); err != nil {
				return err
			}
		}
	}
	return nil
}

func founderPeople(fs []founder) []person {
	out := make([]person, len(fs))
	for i, f := range fs {
		out[i] = f.person
	}
	return out
}

func inTokachi(code string) bool { return code == "01207" || (code >= "01631" && code <= "01649") }

// relationships writes completed mentorships (long ago), active ones (more
// recently), with touchpoints along the way.
func (s *seeder) relationships(ctx context.Context) error {
	// Completed: founders 10-14 with mentors who cover their first topic.
	s.at(180 * day)
	var completed []mentorships.Mentorship
	for _, f := range s.founders[10:15] {
		m, err := s.match(ctx, f)
		if err != nil {
			return err
		}
		completed = append(completed, m)
	}
	for _, ago := range []time.Duration{170, 150, 120} {
		s.at(ago * day)
		for _, m := range completed {
			if err := s.touch(ctx, m, "call"); err != nil {
				return err
			}
		}
	}
	s.at(100 * day)
	for i, m := range completed {
		f := s.principalOf(m.FounderID)
		if _, err := s.Mentorships.Complete(ctx, f, m.ID, mentorships.CompleteInput{
			Reflection: "最初は不安でしたが、月に一度の電話で前に進めました。", Rating: 5, StayInTouch: true,
		}); err != nil {
			return err
		}
		if i%2 == 0 {
			if _, err := s.Mentorships.Complete(ctx, s.principalOf(m.MentorID), m.ID, mentorships.CompleteInput{
				Reflection: "地域で挑戦する人の力になれて、こちらも学びました。", Rating: 5, StayInTouch: true,
			}); err != nil {
				return err
			}
		}
	}
	s.sum.Completed = len(completed)

	// Active: founders 15-20, started about two months ago.
	s.at(60 * day)
	var active []mentorships.Mentorship
	for _, f := range s.founders[15:21] {
		m, err := s.match(ctx, f)
		if err != nil {
			return err
		}
		active = append(active, m)
	}
	for _, ago := range []time.Duration{55, 30, 10} {
		s.at(ago * day)
		for i, m := range active {
			if ago == 10 && i%2 == 1 {
				continue // some pairs have gone quiet: keep-in-touch shows them
			}
			if err := s.touch(ctx, m, []string{"meeting", "call", "online"}[i%3]); err != nil {
				return err
			}
		}
	}
	s.sum.Active = len(active)
	return nil
}

// match asks the best suggestion for an introduction and has it accepted.
func (s *seeder) match(ctx context.Context, f founder) (mentorships.Mentorship, error) {
	r, sug, err := s.Mentorships.CreateRequest(ctx, f.Principal, mentorships.RequestInput{Topics: f.Topics[:1], RadiusKm: 100, Message: "相談に乗っていただけませんか。"})
	if err != nil {
		return mentorships.Mentorship{}, err
	}
	if len(sug.Items) == 0 {
		return mentorships.Mentorship{}, fmt.Errorf("no suggestion for %s", f.Email)
	}
	mentor := sug.Items[0].Mentor.ID
	in, err := s.Mentorships.Introduce(ctx, f.Principal, r.ID, mentor, "よろしくお願いします。")
	if err != nil {
		return mentorships.Mentorship{}, err
	}
	s.Clock.Advance(20 * time.Hour) // a day to answer
	s.moved += 20 * time.Hour
	acc, err := s.Mentorships.Accept(ctx, s.principalOf(mentor), in.ID, "喜んで。まずは電話で話しましょう。")
	if err != nil {
		return mentorships.Mentorship{}, err
	}
	s.sum.Requests++
	s.sum.Introductions++
	return mentorships.Mentorship{ID: *acc.MentorshipID, MentorID: mentor, FounderID: f.UserID}, nil
}

func (s *seeder) touch(ctx context.Context, m mentorships.Mentorship, kind string) error {
	_, err := s.Mentorships.AddTouchpoint(ctx, s.principalOf(m.FounderID), m.ID, mentorships.TouchpointInput{
		Kind: kind, DurationMinutes: 30, Summary: "近況と次の一歩を話しました。",
	})
	return err
}

// principalOf finds a seeded person by id.
func (s *seeder) principalOf(id bson.ObjectID) accounts.Principal {
	for _, m := range s.mentors {
		if m.UserID == id {
			return m.Principal
		}
	}
	for _, f := range s.founders {
		if f.UserID == id {
			return f.Principal
		}
	}
	return accounts.Principal{}
}

// requests writes recent open requests, some with pending introductions.
// Founders in remote towns ask for what no mentor near them offers: the
// coverage report shows those gaps.
func (s *seeder) requests(ctx context.Context) error {
	type open struct {
		f   founder
		i   int
		r   mentorships.MatchRequest
		sug mentorships.Suggestions
	}
	var opened []open
	for i, f := range s.founders {
		if i >= 10 && i < 21 {
			continue // they have (had) a mentorship
		}
		s.at(time.Duration(45-i) * day)
		r, sug, err := s.Mentorships.CreateRequest(ctx, f.Principal, mentorships.RequestInput{
			Topics: f.Topics, RadiusKm: 50, Message: "地元で相談できる人を探しています。",
		})
		if err != nil {
			return fmt.Errorf("request of %s: %w", f.Email, err)
		}
		s.sum.Requests++
		opened = append(opened, open{f, i, r, sug})
	}
	// In the last days some founders asked a mentor; the main demo founder
	// asked the demo mentor, who has it waiting in their inbox.
	s.at(5 * day)
	for _, o := range opened {
		if (o.i != 0 && o.i%4 != 1) || len(o.sug.Items) == 0 {
			continue
		}
		target := o.sug.Items[0].Mentor.ID
		msg := "ぜひお話を伺いたいです。"
		if o.i == 0 {
			target = s.mentors[1].UserID
			msg = "帯広でチーズ工房をしています。道外の販路について30分ほどお話を伺えませんか。"
		}
		if _, err := s.Mentorships.Introduce(ctx, o.f.Principal, o.r.ID, target, msg); err != nil {
			return fmt.Errorf("introduction for %s: %w", o.f.Email, err)
		}
		s.sum.Introductions++
	}
	// Recent activity for most people; a few have been quiet since they
	// joined (lapsed: no activity for over 90 days).
	s.at(2 * day)
	for i, p := range append(s.mentors, founderPeople(s.founders)...) {
		if i%9 == 4 {
			s.sum.Lapsed++
			continue
		}
		s.Accounts.Touch(ctx, p.UserID)
	}
	return nil
}

func (s *seeder) events(ctx context.Context) error {
	s.at(1 * day)
	now := s.Clock.Now()
	date := func(days int, hour, minute int) time.Time {
		d := now.In(jst.Zone).AddDate(0, 0, days)
		return time.Date(d.Year(), d.Month(), d.Day(), hour, minute, 0, 0, jst.Zone)
	}
	events := []struct {
		c     community.Community
		title string
		desc  string
		start time.Time
		mins  int
		venue *community.VenueInput
		cap   int
		tags  []string
	}{
		{s.tokachi, "30分だけ、販路の悩み相談会", "お茶を飲みながら気軽に。途中参加・途中退出OK。初めての方も歓迎です。", date(4, 19, 0), 30,
			&community.VenueInput{MunicipalityCode: "01207", Address: "帯広市西2条南9丁目 とかちプラザ 303"}, 12, []string{"free", "short", "beginner"}},
		{s.tokachi, "十勝の食 × ふるさと納税 勉強会", "返礼品づくりの実例を、地元の事業者が紹介します。", date(12, 14, 0), 90,
			&community.VenueInput{MunicipalityCode: "01631", Address: "音更町 木野公民館"}, 30, []string{"free"}},
		{s.doo, "オンライン雑談会（第2水曜）", "顔出しなし・聞くだけでもOK。道内どこからでも。", secondWednesday(now.AddDate(0, 0, 2), 20, 0), 45, nil, 50, []string{"free", "online", "short", "beginner"}},
		{s.doo, "札幌で交流会：地域から挑戦する人たち", "札幌に来る用事があれば、ついでにどうぞ。", date(18, 18, 30), 120,
			&community.VenueInput{MunicipalityCode: "01101", Address: "札幌市中央区北1条西2丁目"}, 40, []string{"beginner"}},
	}
	for _, e := range events {
		ev, err := s.Community.CreateEvent(ctx, s.org.Principal, e.c.ID, community.EventInput{
			Title: e.title, Description: e.desc, StartsAt: e.start, EndsAt: e.start.Add(time.Duration(e.mins) * time.Minute),
			Online: e.venue == nil, Venue: e.venue, Capacity: e.cap, Tags: e.tags,
		})
		if err != nil {
			return fmt.Errorf("event %s: %w", e.title, err)
		}
		s.sum.Events++
		// A few RSVPs, so the events look alive.
		for i, f := range s.founders[:8] {
			if (i+s.sum.Events)%3 == 0 {
				if _, err := s.Community.Respond(ctx, f.Principal, ev.ID, community.RSVPGoing); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// secondWednesday is the first second Wednesday of a month (in Japan) at
// hour:minute after from: the network's monthly chat evening, whose title
// says the day.
func secondWednesday(from time.Time, hour, minute int) time.Time {
	d := from.In(jst.Zone)
	for months := 0; ; months++ {
		first := time.Date(d.Year(), d.Month()+time.Month(months), 1, hour, minute, 0, 0, jst.Zone)
		firstWednesday := 1 + (int(time.Wednesday)-int(first.Weekday())+7)%7
		if wed := first.AddDate(0, 0, firstWednesday+7-1); wed.After(from) {
			return wed
		}
	}
}

// newcomerSpecs are mentors who joined three weeks ago: the "new mentors
// near you" that the monthly digest offers members who drifted away before.
var newcomerSpecs = []struct {
	municipality string
	travelKm     int
	bg           background
}{
	{"01206", 60, background{
		headline: "釧路で創業支援とクラウドファンディングの伴走をしています",
		bio:      "地元の信用金庫を退職し、釧路で小さな事業の立ち上げを手伝っています。クラファンの企画書づくりから一緒にやります。",
		topics:   []string{"startup_basics", "crowdfunding", "public_grants"}, tags: []string{"クラファン", "釧路"}, industries: []string{"飲食", "観光"},
	}},
	{"01101", 0, background{
		headline: "オンラインで道内どこからでも。商品開発と観光の相談に乗ります",
		bio:      "札幌の商社で商品企画を担当し、いまは道内の小さな事業者の商品づくりと観光商品の設計をオンラインで手伝っています。",
		topics:   []string{"product_development", "tourism", "startup_basics", "sales"}, tags: []string{"オンライン", "商品企画"}, industries: []string{"食品", "観光"},
		onlineOnly: true,
	}},
	{"01204", 50, background{
		headline: "旭川で福祉事業所の採用と組織づくりを支えています",
		bio:      "介護・福祉の現場で20年。人が辞めない職場づくりと、最初の採用を一緒に考えます。",
		topics:   []string{"hiring", "organization"}, tags: []string{"採用", "定着"}, industries: []string{"福祉"},
	}},
}

// newcomers registers the mentors who joined recently.
func (s *seeder) newcomers(ctx context.Context) error {
	s.at(21 * day)
	for i, n := range newcomerSpecs {
		p, err := s.register(ctx, fmt.Sprintf("newmentor%02d@demo.kizuna.example", i+1), s.name(200+i), accounts.RoleMentor)
		if err != nil {
			return err
		}
		if err := s.mentorProfile(ctx, p, mentorSpec{n.municipality, n.bg, n.travelKm}); err != nil {
			return err
		}
		s.Accounts.Touch(ctx, p.UserID)
		s.mentors = append(s.mentors, p)
		s.sum.Mentors++
	}
	return nil
}

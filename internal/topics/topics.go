// Package topics is the curated list of consultation topics that regional
// SMEs and startups in Japan (Hokkaido first) bring to mentors.
//
// Slugs are stable identifiers stored by callers. Index numbers are
// positions in All() and fit in a uint64 bit mask, but they shift when a
// topic is added to an earlier group: persist slugs, and build masks at
// run time.
package topics

import "slices"

// MaxTopics is the most topics the taxonomy may hold, because callers
// keep topic sets as uint64 bit masks.
const MaxTopics = 64

// Group is a heading that topics are listed under.
type Group struct {
	Slug string `json:"slug"`
	Ja   string `json:"ja"`
	En   string `json:"en"`
}

// Topic is one consultation topic.
type Topic struct {
	Slug  string `json:"slug"`
	Ja    string `json:"ja"`
	En    string `json:"en"`
	Group string `json:"group"` // a Group's Slug
}

// groups returns the groups in display order. A function, not a package
// variable, so no caller can change the table.
func groups() []Group {
	return []Group{
		{"business", "事業づくり", "Building the business"},
		{"market", "販路・集客", "Sales and marketing"},
		{"finance", "資金・財務", "Money and finance"},
		{"people", "人・組織", "People and organization"},
		{"operations", "経営基盤", "Operations"},
		{"industry", "業種別", "Industries"},
		{"region", "地域", "Region and community"},
	}
}

// topicList returns the topics, listed by group in display order.
func topicList() []Topic {
	return []Topic{
		{"startup_basics", "創業・起業の準備", "Starting a business", "business"},
		{"business_plan", "事業計画", "Business planning", "business"},
		{"product_development", "商品・サービス開発", "Product and service development", "business"},
		{"pricing", "価格設定", "Pricing", "business"},
		{"succession", "事業承継", "Business succession", "business"},

		{"sales", "販路開拓・営業", "Sales and new sales channels", "market"},
		{"marketing", "マーケティング・集客", "Marketing and customer acquisition", "market"},
		{"branding", "ブランディング", "Branding", "market"},
		{"pr", "広報・PR", "Public relations", "market"},
		{"ecommerce", "EC・ネット販売", "E-commerce", "market"},
		{"export", "輸出", "Exporting", "market"},
		{"overseas_expansion", "海外展開", "Overseas expansion", "market"},

		{"fundraising", "資金調達", "Fundraising", "finance"},
		{"bank_loans", "融資・借入", "Bank loans", "finance"},
		{"crowdfunding", "クラウドファンディング", "Crowdfunding", "finance"},
		{"public_grants", "補助金・助成金", "Subsidies and grants", "finance"},
		{"accounting", "経理・会計", "Bookkeeping and accounting", "finance"},
		{"tax", "税務", "Tax", "finance"},

		{"hiring", "採用", "Hiring", "people"},
		{"hr_development", "人材育成", "Training and staff development", "people"},
		{"organization", "組織づくり", "Building the organization", "people"},
		{"external_talent", "副業・兼業人材の活用", "Working with side-job and freelance talent", "people"},
		{"founder_wellbeing", "経営者のメンタルヘルス", "Founder well-being", "people"},

		{"legal", "法務・契約", "Legal and contracts", "operations"},
		{"ip", "知的財産", "Intellectual property", "operations"},
		{"it_dx", "IT活用・DX", "IT and digital transformation", "operations"},
		{"logistics", "物流", "Logistics", "operations"},

		{"manufacturing", "ものづくり・製造業", "Manufacturing", "industry"},
		{"food", "食品・飲食", "Food and restaurants", "industry"},
		{"tourism", "観光", "Tourism", "industry"},
		{"agriculture", "農業", "Agriculture", "industry"},
		{"fisheries", "水産業", "Fisheries", "industry"},
		{"healthcare_welfare", "医療・介護・福祉", "Healthcare and welfare", "industry"},

		{"local_branding", "地域ブランド・ふるさと納税", "Regional branding and furusato nozei", "region"},
		{"community_building", "コミュニティづくり", "Community building", "region"},
		{"public_partnership", "自治体・産学官連携", "Partnering with local government and universities", "region"},
	}
}

// Taxonomy is the immutable topic list with lookups. Build it once with
// New; it is safe for concurrent use.
type Taxonomy struct {
	groups []Group
	topics []Topic // group order, then listed order
	index  map[string]int
}

// New builds the taxonomy. Tests keep the table within MaxTopics, with
// unique slugs and known groups, so New does not check again.
func New() *Taxonomy {
	gs := groups()
	ts := topicList()
	order := make(map[string]int, len(gs))
	for i, g := range gs {
		order[g.Slug] = i
	}
	// Stable sort by group keeps the listed order within a group even if
	// someone appends a topic at the end of the table.
	slices.SortStableFunc(ts, func(a, b Topic) int { return order[a.Group] - order[b.Group] })
	index := make(map[string]int, len(ts))
	for i, t := range ts {
		index[t.Slug] = i
	}
	return &Taxonomy{groups: gs, topics: ts, index: index}
}

// All returns every topic, grouped in Groups() order and then in listed
// order. Position i is the topic's Index.
func (t *Taxonomy) All() []Topic { return slices.Clone(t.topics) }

// Groups returns the groups in display order.
func (t *Taxonomy) Groups() []Group { return slices.Clone(t.groups) }

// Get returns the topic with the given slug.
func (t *Taxonomy) Get(slug string) (Topic, bool) {
	i, ok := t.index[slug]
	if !ok {
		return Topic{}, false
	}
	return t.topics[i], true
}

// Index returns the topic's position in All(), 0..Len()-1, for use as a
// bit number.
func (t *Taxonomy) Index(slug string) (int, bool) {
	i, ok := t.index[slug]
	return i, ok
}

// Len returns the number of topics.
func (t *Taxonomy) Len() int { return len(t.topics) }

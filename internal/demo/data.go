package demo

// Invented names: common family and given names, combined deterministically.
var familyNames = []string{
	"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
	"吉田", "山田", "佐々木", "山口", "松本", "井上", "木村", "林", "斎藤", "清水",
	"山崎", "森", "池田", "橋本", "阿部", "石川", "山下", "中島", "石井", "小川",
	"前田", "岡田", "長谷川", "藤田", "後藤", "近藤", "村上", "遠藤", "青木", "坂本",
	"工藤", "菊地", "千葉", "大野", "今井",
}

var givenNames = []string{
	"健", "翔太", "大輔", "直樹", "美咲", "由紀", "彩", "陽子", "拓也", "誠",
	"恵", "真理子", "悠", "航", "葵", "結衣", "亮", "修", "聡", "和也",
	"千尋", "奈々", "浩二", "隆", "明美", "智子", "慎吾", "大地", "舞", "優子",
	"剛", "康介", "梢", "理沙", "弘", "典子", "圭", "春香", "勇気", "麻衣", "海斗",
}

// background is who a mentor is: what they did and what they help with.
type background struct {
	headline   string
	bio        string
	topics     []string
	tags       []string
	industries []string
	stakes     []string
	onlineOnly bool
}

var organizerBackground = background{
	headline:   "十勝で起業支援を15年。コミュニティの世話役です",
	bio:        "帯広の商工団体で創業支援を担当したあと独立。十勝の食と農の事業者をつなぐ場づくりをしています。まずは気軽に話しましょう。",
	topics:     []string{"startup_basics", "community_building", "public_grants", "local_branding"},
	tags:       []string{"創業支援", "十勝"},
	industries: []string{"食品", "農業"},
}

var backgrounds = map[string]background{
	"sales": {
		headline: "食品メーカーで営業20年。道外・海外への販路開拓を手伝います",
		bio:      "札幌の食品メーカーで百貨店・商社・海外の販路を開いてきました。展示会の選び方から価格表の作り方まで、具体的に相談に乗ります。",
		topics:   []string{"sales", "marketing", "pricing", "export"}, tags: []string{"展示会", "BtoB"}, industries: []string{"食品"},
	},
	"bank": {
		headline: "元地方銀行の融資担当。創業期の資金繰りと補助金の相談に",
		bio:      "道内の地方銀行で20年、創業融資と事業承継を担当しました。事業計画書の見直しや、金融機関との話し方もお手伝いします。",
		topics:   []string{"bank_loans", "fundraising", "public_grants", "business_plan", "accounting"}, tags: []string{"創業融資", "日本政策金融公庫"}, industries: []string{"小売", "サービス"},
	},
	"it": {
		headline: "IT企業のCTO経験者。小さな会社のDXを現場目線で",
		bio:      "札幌のIT企業でCTOを務めました。予約システムやEC、業務の自動化など、身の丈に合ったIT活用を一緒に考えます。",
		topics:   []string{"it_dx", "ecommerce", "hiring", "product_development"}, tags: []string{"DX", "EC"}, industries: []string{"IT"},
	},
	"tourism": {
		headline: "観光協会で10年。インバウンドと体験型観光づくり",
		bio:      "ニセコ・小樽で観光の仕事をしてきました。体験商品の企画、予約導線、多言語対応まで、地域の観光事業者を応援します。",
		topics:   []string{"tourism", "marketing", "overseas_expansion", "branding"}, tags: []string{"インバウンド", "体験観光"}, industries: []string{"観光", "宿泊"},
	},
	"farm": {
		headline: "酪農と六次産業化の実践者。農業からの商品づくり",
		bio:      "十勝で酪農を営みながら、チーズやジェラートの製造・販売に取り組んできました。農業者の新しい挑戦を応援します。",
		topics:   []string{"agriculture", "food", "product_development", "local_branding"}, tags: []string{"六次産業化"}, industries: []string{"農業", "食品"},
	},
	"fish": {
		headline: "水産加工会社の元経営者。水産物の加工と輸出",
		bio:      "道東で水産加工会社を経営し、アジア向けの輸出を立ち上げました。漁業者・加工業者の販路と事業承継の相談に乗ります。",
		topics:   []string{"fisheries", "export", "succession", "logistics"}, tags: []string{"水産加工", "輸出"}, industries: []string{"水産"},
		stakes: []string{"道東水産ホールディングス"},
	},
	"tax": {
		headline: "税理士。創業期の経理と税務を、わかる言葉で",
		bio:      "旭川で税理士事務所を開いています。記帳の仕組みづくり、法人化のタイミング、消費税まで、最初につまずくところを一緒に。",
		topics:   []string{"accounting", "tax", "startup_basics", "succession"}, tags: []string{"法人化", "インボイス"}, industries: []string{"士業"},
	},
	"hr": {
		headline: "社会保険労務士。最初の一人を雇うときに",
		bio:      "採用、雇用契約、助成金、働き方のルールづくり。はじめて人を雇う経営者の不安に寄り添います。",
		topics:   []string{"hiring", "hr_development", "organization", "public_grants"}, tags: []string{"労務", "助成金"}, industries: []string{"士業"},
	},
	"maker": {
		headline: "家具メーカーの元工場長。ものづくりと品質管理",
		bio:      "旭川の家具メーカーで工場長を務めました。試作、量産、品質、そして職人の育成まで、小さな工房の成長を手伝います。",
		topics:   []string{"manufacturing", "product_development", "hr_development", "branding"}, tags: []string{"工房", "量産化"}, industries: []string{"家具", "製造"},
	},
	"brand": {
		headline: "デザイナー。地域ブランドとパッケージ",
		bio:      "函館を拠点に、地域の商品のブランドづくりやパッケージを手がけています。ふるさと納税の返礼品づくりもご相談ください。",
		topics:   []string{"branding", "local_branding", "pr", "marketing"}, tags: []string{"パッケージ", "ふるさと納税"}, industries: []string{"デザイン"},
	},
	"welfare": {
		headline: "介護事業の経営者。福祉分野での起業",
		bio:      "北見で介護事業所を立ち上げ、10年続けてきました。福祉・医療分野で起業したい方、人の採用と定着に悩む方へ。",
		topics:   []string{"healthcare_welfare", "hiring", "organization", "founder_wellbeing"}, tags: []string{"介護", "福祉"}, industries: []string{"福祉"},
	},
	"legal": {
		headline: "弁護士。契約書と知的財産の最初の一歩",
		bio:      "東京から移住し、オンラインで道内の事業者を支援しています。契約書の確認、商標、取引トラブルの予防を。",
		topics:   []string{"legal", "ip", "external_talent"}, tags: []string{"契約書", "商標"}, industries: []string{"士業"}, onlineOnly: true,
	},
}

type mentorSpec struct {
	municipality string
	bg           background
	travelKm     int
}

// mentorSpecs spreads 59 mentors over Hokkaido (with the organizer, 60):
// most in 札幌, then the regional cities, and a few in smaller towns. The
// first is the demo mentor account in 札幌市中央区.
func mentorSpecs() []mentorSpec {
	plan := []struct {
		codes    []string
		kinds    []string
		travelKm int
	}{
		{[]string{"01101", "01101", "01102", "01103", "01104", "01105", "01106", "01107", "01108", "01109", "01110", "01101", "01102", "01104", "01105", "01101", "01103", "01107"},
			[]string{"sales", "bank", "it", "hr", "legal", "brand", "it", "sales", "tax", "bank", "hr", "it", "sales", "welfare", "legal", "tourism", "bank", "it"}, 40},
		{[]string{"01204", "01204", "01204", "01204", "01204", "01204", "01204"}, []string{"maker", "tax", "maker", "sales", "hr", "it", "farm"}, 60},
		{[]string{"01202", "01202", "01202", "01202", "01202", "01202"}, []string{"brand", "fish", "tourism", "sales", "bank", "fish"}, 50},
		{[]string{"01207", "01207", "01207", "01207", "01207", "01631"}, []string{"farm", "bank", "sales", "farm", "tax", "farm"}, 80},
		{[]string{"01206", "01206", "01206", "01206", "01206"}, []string{"fish", "bank", "tourism", "hr", "tax"}, 60},
		{[]string{"01208", "01208", "01208", "01208"}, []string{"welfare", "farm", "sales", "tax"}, 50},
		{[]string{"01203", "01203", "01203", "01203"}, []string{"tourism", "brand", "sales", "maker"}, 40},
		{[]string{"01395", "01395", "01395"}, []string{"tourism", "tourism", "it"}, 60},
		{[]string{"01229", "01210", "01213", "01205", "01211", "01221"}, []string{"farm", "farm", "maker", "maker", "tourism", "farm"}, 40},
	}
	var out []mentorSpec
	for _, p := range plan {
		for i, code := range p.codes {
			out = append(out, mentorSpec{municipality: code, bg: backgrounds[p.kinds[i]], travelKm: p.travelKm})
		}
	}
	return out
}

type founderSpec struct {
	Company      string
	Stage        string
	Industry     string
	Municipality string
	Topics       []string // most important first
	Bio          string
}

// founderSpecs are 40 invented founders. The first is the demo founder
// account in 帯広; several are in remote towns where no mentor is near.
func founderSpecs() []founderSpec {
	return []founderSpec{
		{"十勝チーズ工房", "seed", "食品製造", "01207", []string{"sales", "hiring"}, "帯広でナチュラルチーズを作っています。道外への販路と、最初の社員の採用が課題です。"},
		{"音更ジェラート研究所", "pre_seed", "食品", "01631", []string{"product_development", "bank_loans"}, "牧場の牛乳でジェラートを試作中。製造許可と設備資金の相談をしたいです。"},
		{"ニセコ山のホステル", "growth", "宿泊", "01395", []string{"tourism", "hiring"}, "冬の繁忙期の人手不足と、夏の集客に悩んでいます。"},
		{"小樽ガラス工房 凪", "established", "工芸", "01203", []string{"ecommerce", "branding"}, "ネット販売を強化したい。写真と説明文の作り方から教わりたいです。"},
		{"旭川家具 木と暮らす", "growth", "家具", "01204", []string{"manufacturing", "export"}, "海外の展示会に出たい小さな家具工房です。"},
		{"北見ハッカ研究所", "seed", "食品・雑貨", "01208", []string{"product_development", "marketing"}, "ハッカを使った新商品を開発中。"},
		{"函館朝市 海の恵み", "established", "水産加工", "01202", []string{"succession", "fisheries"}, "父の代からの加工場を継ぐか迷っています。"},
		{"釧路港町クラフト", "idea", "クラフトビール", "01206", []string{"startup_basics", "crowdfunding"}, "港町でブルワリーを始めたい会社員です。"},
		{"富良野ラベンダー農園カフェ", "seed", "飲食", "01229", []string{"food", "tourism"}, "農園の一角でカフェを開きました。"},
		{"岩見沢スマート農業ラボ", "pre_seed", "農業IT", "01210", []string{"it_dx", "public_grants"}, "センサーで畑の水管理をする仕組みを作っています。"},
		{"芽室ポテトファクトリー", "growth", "食品製造", "01636", []string{"sales", "marketing"}, "ポテトチップスの道外販路を広げたい。"},
		{"帯広ゲストハウス ぬくもり", "seed", "宿泊", "01207", []string{"tourism", "marketing"}, "十勝に旅行者を呼ぶ小さな宿です。"},
		{"池田ワインと丘の食卓", "established", "飲食", "01644", []string{"local_branding", "pr"}, "ワインに合う十勝の食を発信しています。"},
		{"札幌こども食堂ネット", "idea", "福祉", "01105", []string{"healthcare_welfare", "public_partnership"}, "地域の子どもの居場所づくりを事業にしたい。"},
		{"苫小牧ものづくり工房", "seed", "金属加工", "01213", []string{"manufacturing", "hiring"}, "精密加工の町工場を立ち上げました。"},
		{"室蘭鉄のまちデザイン", "pre_seed", "デザイン", "01205", []string{"branding", "startup_basics"}, "鉄のまちの素材を使った雑貨ブランドを準備中。"},
		{"旭川こども発達支援 ひだまり", "growth", "福祉", "01204", []string{"hiring", "organization"}, "スタッフの採用と定着が課題です。"},
		{"網走流氷ツアーズ", "seed", "観光", "01211", []string{"tourism", "overseas_expansion"}, "流氷観光を海外の方に届けたい。"},
		{"名寄もち米スイーツ", "idea", "食品", "01221", []string{"product_development", "ecommerce"}, "もち米を使ったお菓子で起業したい主婦です。"},
		{"清水町 山の木こり舎", "pre_seed", "林業", "01635", []string{"public_grants", "business_plan"}, "林業の担い手と木工品の両立を目指しています。"},
		{"札幌サウナと湯の文化研究所", "seed", "サービス", "01101", []string{"fundraising", "marketing"}, "小さなサウナ施設を道内に広げたい。"},
		{"札幌ローカルSaaS", "seed", "IT", "01102", []string{"fundraising", "hiring"}, "地域の商店向けの予約システムを作っています。"},
		{"手稲アウトドアレンタル", "pre_seed", "レンタル", "01109", []string{"ecommerce", "legal"}, "キャンプ用品のレンタルを始めます。契約書が不安です。"},
		{"江別れんがカフェ", "established", "飲食", "01217", []string{"succession", "accounting"}, "創業者の母から店を引き継ぎました。"},
		{"千歳空港まちの土産店", "growth", "小売", "01224", []string{"sales", "tax"}, "土産物の卸先を増やしたい。"},
		{"小樽運河ナイトツアー", "idea", "観光", "01203", []string{"tourism", "startup_basics"}, "夜の運河を歩くガイドツアーを考えています。"},
		{"函館スクール オンライン塾", "seed", "教育", "01202", []string{"marketing", "it_dx"}, "離島や郡部の中学生向けのオンライン塾です。"},
		{"北見たまねぎ加工所", "growth", "食品製造", "01208", []string{"export", "logistics"}, "たまねぎ加工品を台湾に出したい。"},
		{"釧路湿原カヌーガイド", "seed", "観光", "01206", []string{"tourism", "external_talent"}, "繁忙期だけ来てくれるガイド仲間を探しています。"},
		{"帯広ばんえい応援グッズ", "idea", "雑貨", "01207", []string{"ip", "ecommerce"}, "ばんえい競馬のファングッズを作りたい。権利関係が心配です。"},
		// Remote towns: no mentor within reach for what they ask.
		{"根室さんま燻製工房", "established", "水産加工", "01223", []string{"fisheries", "export"}, "根室のさんまを燻製にして海外に売りたい。近くに相談できる人がいません。"},
		{"羅臼 海の宿と漁業体験", "seed", "観光・漁業", "01694", []string{"fisheries", "tourism"}, "漁業体験と宿を組み合わせたい漁師です。"},
		{"中標津 牧場の直売所", "growth", "農業", "01692", []string{"ecommerce", "succession"}, "直売所のネット販売と、後継ぎの問題を相談したい。"},
		{"稚内 宗谷の昆布", "established", "水産", "01214", []string{"export", "fisheries"}, "昆布の輸出を考えています。稚内から札幌は遠いです。"},
		{"紋別 オホーツク流氷ジェラート", "seed", "食品", "01219", []string{"product_development", "sales"}, "流氷の塩を使ったジェラートです。"},
		{"浦河 サラブレッドの里ツーリズム", "idea", "観光", "01607", []string{"tourism", "public_partnership"}, "牧場めぐりのツアーを町と一緒に作りたい。"},
		{"江差 北前船の町並み再生", "pre_seed", "不動産・観光", "01361", []string{"public_grants", "local_branding"}, "古い町家を宿にしたい。"},
		{"利尻島 うにと昆布の直送便", "seed", "水産", "01519", []string{"ecommerce", "logistics"}, "島からの直送を安定させたい。"},
		{"枝幸 オホーツクの毛がに", "established", "水産", "01514", []string{"fisheries", "succession"}, "毛がに漁の後継ぎがいません。"},
		{"奥尻島 ワインと海の宿", "growth", "宿泊", "01367", []string{"tourism", "hiring"}, "島に来てくれる働き手を探しています。"},
	}
}

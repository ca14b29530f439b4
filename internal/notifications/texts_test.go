package notifications

import (
	"strings"
	"testing"
)

// Every kind has a mail title and at least one wording in both languages,
// and every placeholder of every wording is one Say fills.
func TestEveryKindHasItsTexts(t *testing.T) {
	all := Vars{Name: "佐藤", Days: 30, Title: "雑談会", When: "12月9日 20:00", WhenEn: "Dec 9, 20:00 JST", Community: "十勝", CommunityEn: "Tokachi"}
	for _, k := range Kinds {
		ja, en := Title(k)
		if ja == "" || en == "" {
			t.Errorf("%s has no mail title", k)
		}
		if len(texts[k].say) == 0 {
			t.Errorf("%s says nothing", k)
		}
		for variant := range texts[k].say {
			ja, en := Say(k, variant, all)
			if ja == "" || en == "" || strings.ContainsAny(ja+en, "{}") {
				t.Errorf("%s/%q: %q / %q", k, variant, ja, en)
			}
		}
	}
	if ja, en := Say(KindKeepInTouch, "no such variant", all); ja != "" || en != "" {
		t.Errorf("an unknown variant says %q / %q", ja, en)
	}
	if ja, _ := Say(KindIntroductionReminder, "", Vars{Name: "田中", Days: 3}); ja != "田中さんからの紹介依頼が未回答です。あと3日で期限切れになります。短いお返事でも助かります" {
		t.Errorf("reminder: %q", ja)
	}
}

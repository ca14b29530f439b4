package notifications

import (
	"strconv"
	"strings"
)

// What each kind of notification says, in Japanese and English: one table
// for the inbox and for the mail that copies a notification (its subject is
// the kind's title), so the two never drift apart. Every domain that
// notifies takes its texts from here (Say).

// Vars fill a text's placeholders: {name} (the other person), {days},
// {title} (an event's), {when}/{whenEn} (its start, JST) and
// {community}/{communityEn}.
type Vars struct {
	Name                   string
	Days                   int
	Title                  string
	When, WhenEn           string
	Community, CommunityEn string
}

// Variants of a kind's wording ("" is the usual one).
const (
	VariantFounderLeft      = "founder_left"      // withdrawn: the founder deleted their account
	VariantMentorLeft       = "mentor_left"       // withdrawn: the mentor deleted their account
	VariantMatchedElsewhere = "matched_elsewhere" // withdrawn: the founder's request was matched
	VariantRequestClosed    = "request_closed"    // withdrawn: the founder closed the request
	VariantToFounder        = "founder"           // expired: told to the founder
	VariantToMentor         = "mentor"            // expired: told to the mentor
	VariantOtherLeft        = "other_left"        // ended: the other party deleted their account
)

type kindText struct {
	titleJa, titleEn string               // the mail's subject
	say              map[string][2]string // variant -> {ja, en}
}

var texts = map[Kind]kindText{
	KindIntroductionReceived: {"紹介の依頼が届きました", "You have a new introduction request", map[string][2]string{
		"": {"{name}さんから紹介の依頼が届きました", "{name} asked you for an introduction"},
	}},
	KindIntroductionAccepted: {"紹介が承諾されました", "Your introduction was accepted", map[string][2]string{
		"": {"{name}さんが紹介を承諾しました。連絡先を確認して、最初の相談を決めましょう", "{name} accepted your introduction: see their contact details and plan your first talk"},
	}},
	KindIntroductionDeclined: {"紹介が見送られました", "An introduction was declined", map[string][2]string{
		"": {"{name}さんは今回の紹介を見送りました。ほかの候補をご覧ください", "{name} declined this introduction; other suggestions are waiting"},
	}},
	KindIntroductionWithdrawn: {"紹介の依頼が取り下げられました", "An introduction request was withdrawn", map[string][2]string{
		"":                      {"{name}さんが紹介の依頼を取り下げました", "{name} withdrew their introduction request"},
		VariantMatchedElsewhere: {"{name}さんは別のメンターとつながりました。ご検討ありがとうございました", "{name} found a mentor elsewhere; thank you for considering"},
		VariantRequestClosed:    {"{name}さんが依頼を締め切りました", "{name} closed their request"},
		VariantFounderLeft:      {"紹介を依頼した方が退会したため、紹介の依頼は取り下げられました", "The founder who asked for this introduction left Kizuna; the request was withdrawn"},
		VariantMentorLeft:       {"紹介を依頼したメンターが退会したため、紹介は取り下げられました。ほかの候補をご覧ください", "The mentor you asked left Kizuna; the introduction was withdrawn. Other suggestions are waiting"},
	}},
	KindIntroductionExpired: {"紹介の依頼が期限切れになりました", "An introduction request expired", map[string][2]string{
		VariantToFounder: {"{name}さんへの紹介依頼は回答がないまま期限切れになりました。ほかの候補に依頼できます", "Your introduction to {name} expired unanswered; you can ask another mentor"},
		VariantToMentor:  {"{name}さんからの紹介依頼が期限切れになりました", "The introduction request from {name} expired"},
	}},
	KindIntroductionReminder: {"未回答の紹介の依頼があります", "An introduction request is waiting for you", map[string][2]string{
		"": {"{name}さんからの紹介依頼が未回答です。あと{days}日で期限切れになります。短いお返事でも助かります", "The introduction request from {name} is waiting; it expires in {days} days. A short answer helps"},
	}},
	KindMentorPaused: {"新しい依頼の受付を一時停止しました", "New requests are paused", map[string][2]string{
		"": {"最近の紹介依頼3件が未回答のまま期限切れになったため、新しい依頼の受付を一時停止しました。再開するにはプロフィールで受付をオンにしてください", "Your last 3 introduction requests expired unanswered, so new requests are paused. Turn acceptingRequests back on in your profile to resume"},
	}},
	KindMentorshipCompleted: {"メンターシップが完了しました。振り返りをお願いします", "Your mentorship is complete: please write your reflection", map[string][2]string{
		"": {"{name}さんがメンターシップを完了しました。振り返りを書いて、これからもつながりましょう", "{name} completed your mentorship: write your reflection, and stay in touch"},
	}},
	KindMentorshipEnded: {"メンターシップが終了しました", "Your mentorship ended", map[string][2]string{
		"":               {"{name}さんがメンターシップを終了しました", "{name} ended your mentorship"},
		VariantOtherLeft: {"相手の方が退会したため、メンターシップは終了しました。これまでの記録は残ります", "The other person left Kizuna, so your mentorship ended; its history stays with you"},
	}},
	KindEventInvitation: {"イベントへのお誘い", "You are invited to an event", map[string][2]string{
		"": {"お久しぶりです。{community}で気軽なイベントがあります: {title}（{when}）。のぞいてみませんか", "It has been a while! {communityEn} has an easy event: {title} ({whenEn}). Drop by?"},
	}},
	KindEventPlaceConfirmed: {"イベントの参加が確定しました", "You have a place at the event", map[string][2]string{
		"": {"キャンセル待ちから参加が確定しました: {title}", "A place freed up: you are going to {title}"},
	}},
	KindEventReminder: {"明日のイベントのお知らせ", "Your event is tomorrow", map[string][2]string{
		"": {"明日は「{title}」です（{when}）。行けなくなったら、ほかの方のために参加を取り消してください", "{title} is tomorrow ({whenEn}). If you cannot come, please cancel so someone else can go"},
	}},
	KindKeepInTouch: {"しばらく連絡していない方がいます", "Someone you have not been in touch with for a while", map[string][2]string{
		"": {"{name}さんと{days}日連絡を取っていません。短い電話かメッセージはいかがですか", "It has been {days} days since you were in touch with {name}: a short call or message?"},
	}},
}

// Say returns what a notification of kind says (its variant's wording;
// "" the usual one), filled with v. An unknown kind or variant is a
// caller's bug: it says nothing, which Notify refuses.
func Say(k Kind, variant string, v Vars) (ja, en string) {
	t, ok := texts[k].say[variant]
	if !ok {
		return "", ""
	}
	r := strings.NewReplacer("{name}", v.Name, "{days}", strconv.Itoa(v.Days), "{title}", v.Title, "{when}", v.When, "{whenEn}", v.WhenEn,
		"{community}", v.Community, "{communityEn}", v.CommunityEn)
	return r.Replace(t[0]), r.Replace(t[1])
}

// Title is the kind's title (the subject of the mail that copies it).
func Title(k Kind) (ja, en string) {
	t := texts[k]
	return t.titleJa, t.titleEn
}

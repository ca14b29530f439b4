// Package mailnotify decides which in-app notifications also go by mail and
// records those mails in the outbox, keyed by the notification's own key (so
// a retried action mails once). It is the glue between notifications,
// accounts (the recipient's address, locale and proof of address) and mail.
//
// Mailed kinds: an introduction received (to the mentor, with the founder's
// message and a link to answer), accepted and declined (to the founder), an
// invitation back to an event (invite-lapsed) and a place from the waitlist.
// Mail goes only to confirmed, unsuspended addresses, for the kinds the
// recipient gets by e-mail (accounts.MailPreferences), and waits out their
// quiet hours.
package mailnotify

import (
	"context"
	"time"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/mail"
	"github.com/kizuna-dev/kizuna/internal/notifications"
)

// Service mails notifications.
type Service struct {
	outbox   *mail.Outbox
	accounts *accounts.Service
	now      func() time.Time
}

// New returns the service.
func New(outbox *mail.Outbox, acc *accounts.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{outbox: outbox, accounts: acc, now: now}
}

// kind is what a mailed notification says beside its text.
type kind struct {
	titleJa, titleEn   string
	reasonJa, reasonEn string
	path               func(notifications.Refs) string
	pref               string // the accounts.Mail* kind that chooses its channel
}

func introPath(r notifications.Refs) string { return "/introductions/" + r.IntroductionID.Hex() }
func eventPath(r notifications.Refs) string { return "/events/" + r.EventID.Hex() }

var mailed = map[notifications.Kind]kind{
	notifications.KindIntroductionReceived: {"紹介の依頼が届きました", "You have a new introduction request",
		"紹介の依頼の通知", "introduction requests", introPath, accounts.MailIntroductionReceived},
	notifications.KindIntroductionAccepted: {"紹介が承諾されました", "Your introduction was accepted",
		"紹介の結果の通知", "the outcome of your introductions", introPath, accounts.MailIntroductionOutcome},
	notifications.KindIntroductionDeclined: {"紹介が見送られました", "An introduction was declined",
		"紹介の結果の通知", "the outcome of your introductions", introPath, accounts.MailIntroductionOutcome},
	// Invitations back (invite-lapsed): the members it is for rarely open
	// the app, so the mail is what reaches them.
	notifications.KindEventInvitation: {"イベントへのお誘い", "You are invited to an event",
		"コミュニティのイベントのお知らせ", "community events", eventPath, accounts.MailCommunityEvents},
	notifications.KindEventPlaceConfirmed: {"イベントの参加が確定しました", "You have a place at the event",
		"コミュニティのイベントのお知らせ", "community events", eventPath, accounts.MailCommunityEvents},
}

// Mailed reports whether notifications of kind also go by mail.
func Mailed(k notifications.Kind) bool {
	_, ok := mailed[k]
	return ok
}

// Notification records the mail of a stored notification, when its kind is
// mailed and its recipient's address is confirmed.
func (s *Service) Notification(ctx context.Context, n notifications.Notification, in notifications.Input) error {
	k, ok := mailed[n.Kind]
	if !ok {
		return nil
	}
	u, err := s.accounts.Get(ctx, n.UserID)
	if err != nil {
		return err
	}
	if !u.EmailVerified || u.Suspended || u.MailPreferences.Channel(k.pref) != accounts.ChannelEmail {
		return nil
	}
	notBefore, _ := u.MailPreferences.QuietUntil(s.now())
	title, text, reason := k.titleJa, n.TextJa, k.reasonJa
	if u.Locale == accounts.LocaleEn {
		title, text, reason = k.titleEn, n.TextEn, k.reasonEn
	}
	_, err = s.outbox.Enqueue(ctx, mail.Input{
		Key: "notification:" + n.Key, UserID: u.ID, To: u.Email, Locale: u.Locale, Kind: mail.KindNotification, NotBefore: notBefore,
		Unsubscribe: s.outbox.PublicURL() + "/v1/mail/unsubscribe?token=" + s.accounts.UnsubscribeToken(u.ID, k.pref),
		Data: map[string]any{
			"Name": u.DisplayName, "Title": title, "Text": text, "Message": in.Message, "Reason": reason,
			"Link": s.outbox.PublicURL() + k.path(n.Refs),
		},
	})
	return err
}

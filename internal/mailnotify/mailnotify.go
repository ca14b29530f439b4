// Package mailnotify decides which in-app notifications also go by mail and
// records those mails in the outbox, keyed by the notification's own key (so
// a retried action mails once). It is the glue between notifications,
// accounts (the recipient's address, locale and proof of address) and mail.
//
// Mailed kinds: an introduction received (to the mentor, with the founder's
// message and a link to answer), accepted and declined (to the founder).
// Mail goes only to confirmed, unsuspended addresses.
package mailnotify

import (
	"context"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/mail"
	"github.com/kizuna-dev/kizuna/internal/notifications"
)

// Service mails notifications.
type Service struct {
	outbox   *mail.Outbox
	accounts *accounts.Service
}

// New returns the service.
func New(outbox *mail.Outbox, acc *accounts.Service) *Service {
	return &Service{outbox: outbox, accounts: acc}
}

// kind is what a mailed notification says beside its text.
type kind struct {
	titleJa, titleEn   string
	reasonJa, reasonEn string
	path               func(notifications.Refs) string
}

func introPath(r notifications.Refs) string { return "/introductions/" + r.IntroductionID.Hex() }

var mailed = map[notifications.Kind]kind{
	notifications.KindIntroductionReceived: {"紹介の依頼が届きました", "You have a new introduction request",
		"紹介の依頼の通知", "introduction requests", introPath},
	notifications.KindIntroductionAccepted: {"紹介が承諾されました", "Your introduction was accepted",
		"紹介の結果の通知", "the outcome of your introductions", introPath},
	notifications.KindIntroductionDeclined: {"紹介が見送られました", "An introduction was declined",
		"紹介の結果の通知", "the outcome of your introductions", introPath},
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
	if !u.EmailVerified || u.Suspended {
		return nil
	}
	title, text, reason := k.titleJa, n.TextJa, k.reasonJa
	if u.Locale == accounts.LocaleEn {
		title, text, reason = k.titleEn, n.TextEn, k.reasonEn
	}
	_, err = s.outbox.Enqueue(ctx, mail.Input{
		Key: "notification:" + n.Key, UserID: u.ID, To: u.Email, Locale: u.Locale, Kind: mail.KindNotification,
		Data: map[string]any{
			"Name": u.DisplayName, "Title": title, "Text": text, "Message": in.Message, "Reason": reason,
			"Link": s.outbox.PublicURL() + k.path(n.Refs),
		},
	})
	return err
}

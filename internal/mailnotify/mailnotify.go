// Package mailnotify decides which in-app notifications also go by mail and
// records those mails in the outbox, keyed by the notification's own key (so
// a retried action mails once). It is the glue between notifications,
// accounts (the recipient's address, locale and proof of address) and mail.
//
// Every kind of notification is mailed (see mailed, which says by which
// preference); its subject and text come from the one table of texts in
// package notifications, so the inbox and the mail say the same.
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

// kind is how a mailed notification goes: the reason the footer gives
// (the preference that chose it), its link, and the preference. Its title
// and text are the notification's own (notifications.Say and Title).
type kind struct {
	reasonJa, reasonEn string
	path               func(notifications.Refs) string
	pref               string // the accounts.Mail* kind that chooses its channel
}

func introPath(r notifications.Refs) string      { return "/introductions/" + r.IntroductionID.Hex() }
func eventPath(r notifications.Refs) string      { return "/events/" + r.EventID.Hex() }
func mentorshipPath(r notifications.Refs) string { return "/mentorships/" + r.MentorshipID.Hex() }
func profilePath(notifications.Refs) string      { return "/settings/mentor-profile" }
func keepInTouchPath(notifications.Refs) string  { return "/keep-in-touch" }

var (
	received   = kind{"紹介の依頼の通知", "introduction requests", introPath, accounts.MailIntroductionReceived}
	reminders  = kind{"紹介の依頼のリマインダー", "introduction reminders", introPath, accounts.MailIntroductionReminders}
	outcomes   = kind{"紹介の結果の通知", "the outcome of your introductions", introPath, accounts.MailIntroductionOutcome}
	mentorship = kind{"メンターシップの通知", "mentorship news", mentorshipPath, accounts.MailMentorship}
	events     = kind{"コミュニティのイベントのお知らせ", "community events", eventPath, accounts.MailCommunityEvents}
)

var mailed = map[notifications.Kind]kind{
	notifications.KindIntroductionReceived: received,
	// Mentors: the half-time reminder, expiry, and the pause with how to
	// resume (the mail links to the profile where they turn it back on).
	notifications.KindIntroductionReminder: reminders,
	notifications.KindIntroductionExpired:  reminders, // the founder's: outcomes (mailedAs)
	notifications.KindMentorPaused:         {reminders.reasonJa, reminders.reasonEn, profilePath, accounts.MailIntroductionReminders},
	// Founders: accepted (with the mentor's contact details), declined
	// (with the reason and the next suggestions), withdrawn (matched
	// elsewhere, closed, or the other person left).
	notifications.KindIntroductionAccepted:  outcomes,
	notifications.KindIntroductionDeclined:  outcomes,
	notifications.KindIntroductionWithdrawn: outcomes,
	// Both: completed (asking for the reflection), ended, and the
	// keep-in-touch nudges the member set a cadence for.
	notifications.KindMentorshipCompleted: mentorship,
	notifications.KindMentorshipEnded:     mentorship,
	notifications.KindKeepInTouch:         {mentorship.reasonJa, mentorship.reasonEn, keepInTouchPath, accounts.MailMentorship},
	// Invitations back (invite-lapsed): the members it is for rarely open
	// the app, so the mail is what reaches them.
	notifications.KindEventInvitation:     events,
	notifications.KindEventPlaceConfirmed: events,
	notifications.KindEventReminder:       events,
}

// mailedAs is how a notification is mailed: by its kind, except the
// founder's copy of an expiry, which is the outcome of their introduction
// (the mentor's is a reminder).
func mailedAs(k notifications.Kind, variant string) (kind, bool) {
	if k == notifications.KindIntroductionExpired && variant == notifications.VariantToFounder {
		return outcomes, true
	}
	m, ok := mailed[k]
	return m, ok
}

// Mailed reports whether notifications of kind also go by mail.
func Mailed(k notifications.Kind) bool {
	_, ok := mailed[k]
	return ok
}

// Notification records the mail of a stored notification, when its kind is
// mailed and its recipient's address is confirmed.
func (s *Service) Notification(ctx context.Context, n notifications.Notification, in notifications.Input) error {
	k, ok := mailedAs(n.Kind, in.Variant)
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
	titleJa, titleEn := notifications.Title(n.Kind)
	title, text, reason := titleJa, n.TextJa, k.reasonJa
	if u.Locale == accounts.LocaleEn {
		title, text, reason = titleEn, n.TextEn, k.reasonEn
	}
	_, err = s.outbox.Enqueue(ctx, mail.Input{
		Key: "notification:" + n.Key, UserID: u.ID, To: u.Email, Locale: u.Locale, Kind: mail.KindNotification, NotBefore: notBefore,
		Unsubscribe: s.outbox.PublicURL() + "/v1/mail/unsubscribe?token=" + s.accounts.UnsubscribeToken(u.ID, k.pref),
		Data: map[string]any{
			"Name": u.DisplayName, "Title": title, "Text": text, "Message": in.Message, "Details": in.Details, "Reason": reason,
			"Link": s.outbox.PublicURL() + k.path(n.Refs),
		},
	})
	return err
}

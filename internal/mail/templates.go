package mail

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

// The mails, each in templates/<kind>.<locale>.tmpl with the blocks subject,
// text and html (html/template escapes the HTML part; no remote images),
// and a footer saying why the mail came and how to stop it.
const (
	KindVerifyEmail     = "verify_email"
	KindPasswordReset   = "password_reset"
	KindPasswordChanged = "password_changed"
	// KindConfirmEmailChange goes to a new address with the link that
	// proves it; KindEmailChanged to the old one once it is.
	KindConfirmEmailChange = "confirm_email_change"
	KindEmailChanged       = "email_changed"
	// KindNotification carries an in-app notification by mail: Data has
	// Title, Text, Link, optionally Message, and Reason (what the
	// recipient chose to get by mail).
	KindNotification = "notification"
	// KindDigest is the monthly lapsed-member digest: Data has Subject,
	// Communities, Offers (Title, Reason, Link, Label), StillInterested and
	// Leave (the one-click answer links).
	KindDigest = "digest"
)

// transactional mails are always sent, whatever the preferences; the reason
// the footer gives, by locale.
var transactional = map[string][2]string{
	KindVerifyEmail:        {"メールアドレスの確認", "confirming your e-mail address"},
	KindPasswordReset:      {"パスワードの再設定", "resetting your password"},
	KindPasswordChanged:    {"パスワードの変更のお知らせ", "a password change notice"},
	KindConfirmEmailChange: {"メールアドレスの変更の確認", "confirming your new e-mail address"},
	KindEmailChanged:       {"メールアドレスの変更のお知らせ", "an e-mail address change notice"},
}

//go:embed templates/*.tmpl
var templateFiles embed.FS

type templates struct {
	text map[string]*texttemplate.Template // kind.locale
	html map[string]*htmltemplate.Template
}

func loadTemplates() (*templates, error) {
	t := &templates{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	for _, kind := range []string{KindVerifyEmail, KindPasswordReset, KindPasswordChanged, KindNotification, KindDigest, KindConfirmEmailChange, KindEmailChanged} {
		for _, locale := range []string{"ja", "en"} {
			files := []string{"templates/" + kind + "." + locale + ".tmpl", "templates/footer." + locale + ".tmpl"}
			tt, err := texttemplate.New(kind).Option("missingkey=zero").ParseFS(templateFiles, files...)
			if err != nil {
				return nil, fmt.Errorf("mail template %s.%s: %w", kind, locale, err)
			}
			ht, err := htmltemplate.New(kind).Option("missingkey=zero").ParseFS(templateFiles, files...)
			if err != nil {
				return nil, fmt.Errorf("mail template %s.%s: %w", kind, locale, err)
			}
			t.text[kind+"."+locale], t.html[kind+"."+locale] = tt, ht
		}
	}
	return t, nil
}

// render makes a mail's subject, text and HTML.
func (t *templates) render(kind, locale string, data map[string]any) (subject, text, html string, err error) {
	tt, ok := t.text[kind+"."+locale]
	if !ok {
		return "", "", "", fmt.Errorf("mail: no template %q", kind)
	}
	if reason, ok := transactional[kind]; ok {
		data["Transactional"] = true
		if data["Reason"] == nil {
			data["Reason"] = reason[0]
			if locale == "en" {
				data["Reason"] = reason[1]
			}
		}
	}
	var b strings.Builder
	if err := tt.ExecuteTemplate(&b, "subject", data); err != nil {
		return "", "", "", fmt.Errorf("mail %s subject: %w", kind, err)
	}
	subject = strings.Join(strings.Fields(b.String()), " ")
	b.Reset()
	if err := tt.ExecuteTemplate(&b, "text", data); err != nil {
		return "", "", "", fmt.Errorf("mail %s text: %w", kind, err)
	}
	text = strings.TrimSpace(b.String()) + "\n"
	b.Reset()
	if err := t.html[kind+"."+locale].ExecuteTemplate(&b, "html", data); err != nil {
		return "", "", "", fmt.Errorf("mail %s html: %w", kind, err)
	}
	return subject, text, strings.TrimSpace(b.String()) + "\n", nil
}

// Transactional reports whether mails of kind are sent whatever the
// recipient's preferences.
func Transactional(kind string) bool {
	_, ok := transactional[kind]
	return ok
}

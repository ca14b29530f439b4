package mail

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Sender hands one message to the next hop.
type Sender interface {
	Send(ctx context.Context, m Message, from string) error
	// Describe says where mail goes, without credentials (for the log).
	Describe() string
}

// PermanentError is a refusal that retrying cannot change.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a permanent refusal: an SMTP 5xx answer
// (or a message that cannot be built at all).
func IsPermanent(err error) bool {
	var p *PermanentError
	if errors.As(err, &p) {
		return true
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		return code >= 500 && code < 600
	}
	return false
}

// build makes the MIME message: multipart/alternative with a plain-text and
// an HTML part, UTF-8, the subject encoded per RFC 2047 by the library.
func build(m Message, from string) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.From(from); err != nil {
		return nil, &PermanentError{fmt.Errorf("from address: %w", err)}
	}
	if err := msg.To(m.To); err != nil {
		return nil, &PermanentError{fmt.Errorf("recipient address: %w", err)}
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(m.CreatedAt)
	msg.SetGenHeaderPreformatted("Auto-Submitted", "auto-generated")
	if m.Unsubscribe != "" {
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribe, "<"+m.Unsubscribe+">")
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// SMTP sends through an SMTP server.
type SMTP struct {
	host     string
	port     int
	scheme   string
	user     string
	password string
	timeout  time.Duration
}

// ParseSMTPURL reads KIZUNA_SMTP_URL: smtp+starttls://user:pass@host:587
// (STARTTLS required), smtps://user:pass@host:465 (implicit TLS) or
// smtp://host:25 (no TLS: a relay on the same host or network). Errors never
// repeat the URL (it may hold a password).
func ParseSMTPURL(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("KIZUNA_SMTP_URL is not a URL (smtp+starttls://user:pass@host:587, smtps://user:pass@host:465 or smtp://host:25)")
	}
	s := &SMTP{scheme: u.Scheme, host: u.Hostname(), timeout: 30 * time.Second}
	switch u.Scheme {
	case "smtp+starttls":
		s.port = 587
	case "smtps":
		s.port = 465
	case "smtp":
		s.port = 25
	default:
		return nil, errors.New("KIZUNA_SMTP_URL must start with smtp+starttls://, smtps:// or smtp://")
	}
	if s.host == "" {
		return nil, errors.New("KIZUNA_SMTP_URL has no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, errors.New("KIZUNA_SMTP_URL has an invalid port")
		}
		s.port = n
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return nil, errors.New("KIZUNA_SMTP_URL takes no path or query")
	}
	return s, nil
}

// Describe is scheme://host:port, without credentials.
func (s *SMTP) Describe() string {
	auth := ""
	if s.user != "" {
		auth = " (with authentication)"
	}
	return fmt.Sprintf("%s://%s:%d%s", s.scheme, s.host, s.port, auth)
}

// Send delivers m over one new connection.
func (s *SMTP) Send(ctx context.Context, m Message, from string) error {
	msg, err := build(m, from)
	if err != nil {
		return err
	}
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(s.timeout), gomail.WithHELO(helloName(from))}
	switch s.scheme {
	case "smtps":
		opts = append(opts, gomail.WithSSL())
	case "smtp+starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.user), gomail.WithPassword(s.password))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	// Not DialAndSend: it also fails when closing the connection fails
	// after the server accepted the message, and the outbox would send
	// that message again (seen as a repeated Message-ID under load).
	client, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("dial failed: %w", err)
	}
	if err := c.SendWithSMTPClient(client, msg); err != nil {
		_ = c.CloseWithSMTPClient(client)
		return fmt.Errorf("send failed: %w", err)
	}
	_ = c.CloseWithSMTPClient(client) // accepted: a failed QUIT changes nothing
	return nil
}

// helloName is the name given in HELO/EHLO: the sender's domain.
func helloName(from string) string {
	d := domainOf(from)
	if d == "kizuna.invalid" {
		return "localhost"
	}
	return d
}

// FileDrop writes each message as an .eml file into a directory: the
// embedded default, so a developer can open what was sent.
type FileDrop struct{ Dir string }

// Describe is the directory.
func (f FileDrop) Describe() string { return "files in " + f.Dir }

// Send writes <message id>.eml (a repeat overwrites the same file).
func (f FileDrop) Send(_ context.Context, m Message, from string) error {
	msg, err := build(m, from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return err
	}
	name := filepath.Join(f.Dir, FileName(m))
	tmp, err := os.CreateTemp(f.Dir, ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := msg.WriteTo(tmp); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// FileName is the file FileDrop writes m to.
func FileName(m Message) string {
	return strings.SplitN(m.MessageID, "@", 2)[0] + ".eml"
}

package main

import (
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// The server runs with no SMTP configured, so it writes every mail as an
// .eml file under <data>/mail (one file per Message-ID): the crash test reads
// them as a recipient would read their mailbox.

// dropped is one written mail: its recipient and plain-text part.
type dropped struct {
	to, text string
}

// readMailDir parses every .eml in a data directory's mail folder.
func readMailDir(dataDir string) ([]dropped, error) {
	files, err := filepath.Glob(filepath.Join(dataDir, "mail", "*.eml"))
	if err != nil {
		return nil, err
	}
	out := make([]dropped, 0, len(files))
	for _, f := range files {
		d, err := readEML(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, d)
	}
	return out, nil
}

func readEML(path string) (dropped, error) {
	f, err := os.Open(path)
	if err != nil {
		return dropped{}, err
	}
	defer f.Close()
	m, err := mail.ReadMessage(f)
	if err != nil {
		return dropped{}, err
	}
	to, err := mail.ParseAddress(m.Header.Get("To"))
	if err != nil {
		return dropped{}, err
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		return dropped{}, err
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextPart() // decodes quoted-printable
		if err != nil {
			return dropped{}, fmt.Errorf("no text part: %w", err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			b, err := io.ReadAll(p)
			return dropped{to: strings.ToLower(to.Address), text: string(b)}, err
		}
	}
}

var verifyLink = regexp.MustCompile(`/verify-email\?token=([A-Za-z0-9_%-]+)`)

// verifyEmail confirms the actor's address with the link of its
// verification mail (written by the server's mail worker within moments).
func (t *tester) verifyEmail(ctx context.Context, a *actor) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		mails, err := readMailDir(t.dataDir)
		if err != nil {
			return err
		}
		for _, m := range mails {
			if m.to != a.Email {
				continue
			}
			if match := verifyLink.FindStringSubmatch(m.text); match != nil {
				tok, err := url.QueryUnescape(match[1])
				if err != nil {
					return err
				}
				_, err = t.call(ctx, http.MethodPost, "/v1/auth/verify-email", "", map[string]any{"token": tok}, nil)
				return err
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no verification mail to %s in %s", a.Email, filepath.Join(t.dataDir, "mail"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkMail checks that every mail an acknowledged action promised was
// delivered (written) after the restart: a verification mail for each
// sign-up, an "introduction received" mail for each introduction. The
// restarted worker delivers what was recorded before the kill within its
// first polls, so it waits a little for them. It returns how many it checked.
func (t *tester) checkMail() (int, error) {
	l := &t.l
	l.mu.Lock()
	signups := make([]string, 0, len(l.users))
	for _, u := range l.users {
		signups = append(signups, u.Email)
	}
	intros := make([]string, 0, len(l.intros))
	for id := range l.intros {
		intros = append(intros, id)
	}
	l.mu.Unlock()
	deadline := time.Now().Add(60 * time.Second)
	for {
		mails, err := readMailDir(t.dataDir)
		if err != nil {
			return 0, err
		}
		verified := map[string]bool{}
		var texts strings.Builder
		for _, m := range mails {
			if strings.Contains(m.text, "/verify-email?token=") {
				verified[m.to] = true
			}
			texts.WriteString(m.text)
		}
		all := texts.String()
		var missing []string
		for _, e := range signups {
			if !verified[e] {
				missing = append(missing, "verification mail to "+e)
			}
		}
		for _, id := range intros {
			if !strings.Contains(all, "/introductions/"+id) {
				missing = append(missing, "introduction mail for "+id)
			}
		}
		if len(missing) == 0 {
			return len(signups) + len(intros), nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%d promised mails not delivered after restart, e.g. %s", len(missing), strings.Join(missing[:min(3, len(missing))], "; "))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

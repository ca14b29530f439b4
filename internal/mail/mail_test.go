package mail_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/mail"
	"github.com/kizuna-dev/kizuna/internal/mail/mailpit"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
	"github.com/kizuna-dev/kizuna/internal/mongodb/mongotest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newOutbox(t *testing.T, db *mongodb.DB, sender mail.Sender, clk *clock) *mail.Outbox {
	t.Helper()
	o, err := mail.New(context.Background(), db, mail.Config{
		Sender: sender, From: "Kizuna <no-reply@kizuna.example>", PublicURL: "https://app.kizuna.example", Now: clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func enqueue(t *testing.T, o *mail.Outbox, key, to, locale string) {
	t.Helper()
	if _, err := o.Enqueue(context.Background(), mail.Input{
		Key: key, UserID: bson.NewObjectID(), To: to, Locale: locale, Kind: mail.KindVerifyEmail,
		Data: map[string]any{"Name": "佐藤 由紀", "Link": "https://app.kizuna.example/verify-email?token=abc"},
	}); err != nil {
		t.Fatal(err)
	}
}

// A Japanese mail reaches a real SMTP server with its subject decoded to the
// right text, both parts, and the outbox's Message-ID; a 550 is not retried.
func TestDeliverToMailpit(t *testing.T) {
	t.Parallel()
	mp := mailpit.Start(t, "--smtp-allowed-recipients", `@example\.jp$`)
	smtp, err := mail.ParseSMTPURL(mp.SMTPURL())
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	db := mongotest.Open(t)
	o := newOutbox(t, db, smtp, clk)
	enqueue(t, o, "k1", "yuki@example.jp", "ja")
	enqueue(t, o, "k1", "yuki@example.jp", "ja") // the same key: recorded once
	enqueue(t, o, "k2", "nobody@bounce.invalid", "en")
	rep, err := o.Deliver(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 1 || rep.Failed != 1 || rep.Retried != 0 {
		t.Fatalf("report %+v, want 1 sent and 1 failed for good", rep)
	}
	msgs := mp.WaitFor(10*time.Second, func(m []mailpit.Summary) bool { return len(m) == 1 })
	got := mp.Get(msgs[0].ID)
	if got.Subject != "【Kizuna】メールアドレスの確認をお願いします" {
		t.Fatalf("subject %q", got.Subject)
	}
	if !strings.Contains(got.Text, "佐藤 由紀 さん") || !strings.Contains(got.HTML, "メールアドレスを確認する") || !strings.Contains(got.Text, "token=abc") {
		t.Fatalf("parts: text %q html %q", got.Text, got.HTML)
	}
	if got.From.Address != "no-reply@kizuna.example" || got.To[0].Address != "yuki@example.jp" {
		t.Fatalf("from %+v to %+v", got.From, got.To)
	}
	if !strings.HasSuffix(got.MessageID, "@kizuna.example") {
		t.Fatalf("message id %q", got.MessageID)
	}
	// A second pass has nothing to do: sent is sent, refused is refused.
	if rep, err := o.Deliver(context.Background()); err != nil || rep != (mail.Report{}) {
		t.Fatalf("second pass %+v %v", rep, err)
	}
}

// With the SMTP server down, messages wait with growing pauses; once it is
// back they are delivered, each once, by two workers racing.
func TestRetryThenDeliverOnceWithTwoWorkers(t *testing.T) {
	t.Parallel()
	mp := mailpit.Start(t)
	smtp, err := mail.ParseSMTPURL(mp.SMTPURL())
	if err != nil {
		t.Fatal(err)
	}
	mp.Stop()
	clk := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	db := mongotest.Open(t)
	a, b := newOutbox(t, db, smtp, clk), newOutbox(t, db, smtp, clk)
	const n = 60
	for i := range n {
		enqueue(t, a, fmt.Sprint("k", i), fmt.Sprintf("m%d@example.jp", i), "ja")
	}
	rep, err := a.Deliver(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Retried != n || rep.Sent != 0 {
		t.Fatalf("while down: %+v", rep)
	}
	mp.Start()
	// Nothing is due before its pause ends.
	if rep, _ := b.Deliver(context.Background()); rep.Sent != 0 {
		t.Fatalf("sent before the backoff ended: %+v", rep)
	}
	clk.Advance(time.Hour)
	var wg sync.WaitGroup
	reps := make([]mail.Report, 2)
	for i, o := range []*mail.Outbox{a, b} {
		wg.Go(func() {
			r, err := o.Deliver(context.Background())
			if err != nil {
				t.Error(err)
			}
			reps[i] = r
		})
	}
	wg.Wait()
	if reps[0].Sent+reps[1].Sent != n {
		t.Fatalf("sent %d+%d, want %d", reps[0].Sent, reps[1].Sent, n)
	}
	msgs := mp.WaitFor(20*time.Second, func(m []mailpit.Summary) bool { return len(m) >= n })
	seen := map[string]int{}
	for _, m := range msgs {
		seen[m.MessageID]++
	}
	if len(seen) != n || len(msgs) != n {
		t.Fatalf("%d messages, %d distinct Message-IDs, want %d each", len(msgs), len(seen), n)
	}
}

// Without SMTP, mail is written as .eml files, one per Message-ID; the
// bodies leave the outbox once sent and ForgetUser drops a user's mail.
func TestFileDrop(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "mail")
	clk := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	db := mongotest.Open(t)
	o := newOutbox(t, db, mail.FileDrop{Dir: dir}, clk)
	user := bson.NewObjectID()
	if _, err := o.Enqueue(context.Background(), mail.Input{Key: "x", UserID: user, To: "a@example.jp", Locale: "en", Kind: mail.KindPasswordReset,
		Data: map[string]any{"Name": "<b>Ann</b>", "Link": "https://app.kizuna.example/reset?token=t"}}); err != nil {
		t.Fatal(err)
	}
	if rep, err := o.Deliver(context.Background()); err != nil || rep.Sent != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	msgs, err := o.ForUser(context.Background(), user)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("%v %v", msgs, err)
	}
	if msgs[0].State != mail.StateSent || msgs[0].Text != "" || msgs[0].HTML != "" {
		t.Fatalf("sent message keeps its body or state: %+v", msgs[0])
	}
	raw, err := os.ReadFile(filepath.Join(dir, mail.FileName(msgs[0])))
	if err != nil {
		t.Fatal(err)
	}
	eml := string(raw)
	for _, want := range []string{"Message-ID: <" + msgs[0].MessageID + ">", "multipart/alternative", "text/plain", "text/html", "Subject: [Kizuna] Reset your password", "&lt;b&gt;Ann&lt;/b&gt;"} {
		if !strings.Contains(eml, want) {
			t.Fatalf("eml lacks %q:\n%s", want, eml)
		}
	}
	if n, err := o.ForgetUser(context.Background(), user); err != nil || n != 1 {
		t.Fatalf("forget: %d %v", n, err)
	}
	if msgs, err := o.ForUser(context.Background(), user); err != nil || len(msgs) != 0 {
		t.Fatalf("after forgetting: %v %v", msgs, err)
	}
}

package main

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/gin-gonic/gin"
)

// digestCommand runs `kizuna digest run`: this month's lapsed-member digest
// now, as the monthly job would (an operator's "send it now"), then one
// delivery round of the outbox (with no SMTP server: .eml files under
// KIZUNA_DATA_DIR/mail). A member still gets one digest per JST month
// however often it runs, here or in a server (see package digest); mail
// held by quiet hours goes out with the servers' worker later. On the
// embedded database the server must be stopped (it holds the data
// directory); on MongoDB it may run beside the servers.
func digestCommand(ctx context.Context, cfg config, args []string, out io.Writer) error {
	if len(args) != 1 || args[0] != "run" {
		return errors.New("usage: kizuna digest run   (send this month's lapsed-member digests now)")
	}
	log := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	gin.SetMode(gin.ReleaseMode) // the router is built, never served: no route listing
	a, err := newApp(ctx, cfg, testHooks{}, log)
	if err != nil {
		return err
	}
	err = a.waitReady(ctx)
	if err == nil {
		err = a.runDigest(ctx)
	}
	if err == nil {
		r, derr := a.mail.Deliver(ctx)
		log.InfoContext(ctx, "mail delivered", "sent", r.Sent, "retried", r.Retried, "failed", r.Failed)
		err = derr
	}
	return errors.Join(err, a.close(context.WithoutCancel(ctx)))
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// adminCommand runs `kizuna admin grant EMAIL ROLE`: it gives an existing
// account the admin or organizer role on the configured database, with no
// mail needed (whoever runs it controls the server), and logs what it did.
// On the embedded database the server must be stopped (it holds the data
// directory); on MongoDB it may run beside the servers, which see the change
// within their directory sync (about 2 s).
func adminCommand(ctx context.Context, cfg config, args []string, out io.Writer) error {
	if len(args) != 3 || args[0] != "grant" {
		return errors.New("usage: kizuna admin grant EMAIL ROLE   (ROLE: admin or organizer)")
	}
	email, role := args[1], accounts.Role(args[2])
	if role != accounts.RoleAdmin && role != accounts.RoleOrganizer {
		return fmt.Errorf("unknown role %q: admin or organizer", args[2])
	}
	log := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn}))
	secret, err := jwtSecret(cfg)
	if err != nil {
		return err
	}
	db, err := mongodb.Open(ctx, mongodb.Config{
		URI: cfg.MongoURI, Database: cfg.Database, DataDir: cfg.DataDir, Logger: log,
		WriteConcern: cfg.WriteConcern,
	})
	if err != nil {
		return err
	}
	defer db.Close(context.WithoutCancel(ctx))
	acc, err := accounts.New(ctx, db, accounts.Config{JWTSecret: secret, Logger: log})
	if err != nil {
		return err
	}
	u, err := acc.GrantRoleByEmail(ctx, email, role)
	if err != nil {
		return err
	}
	slog.New(slog.NewJSONHandler(out, nil)).InfoContext(ctx, "role granted by the admin command",
		"userId", u.ID.Hex(), "email", u.Email, "role", string(role), "roles", u.Roles, "emailVerified", u.EmailVerified)
	return nil
}

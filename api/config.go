package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	netmail "net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna/api/httpapi"
	"github.com/kizuna-dev/kizuna/internal/mail"
	"github.com/kizuna-dev/kizuna/internal/mongodb"
)

// config is everything the program reads from its environment.
type config struct {
	HTTPAddr        string
	MetricsAddr     string // "": GET /metrics on HTTPAddr
	DataDir         string
	MongoURI        string
	Database        string
	WriteConcern    string // MongoDB only: "majority" or a number of members
	JWTSecret       string
	LogLevel        slog.Level
	CORSOrigins     []string
	AdminEmails     []string
	IntroExpiryDays int
	LapsedDays      int
	AuthPerMinute   int
	// Per e-mail (sign-up, sign-in), per user (password changes, writes).
	AuthEmailPerMinute int
	PasswordPerMinute  int
	WritePerMinute     int
	Demo               bool
	// Connections: at most MaxConns open at once (see limitListener); idle
	// keep-alive connections close after IdleTimeout.
	MaxConns    int
	IdleTimeout time.Duration
	// Scheduled backups of the embedded database (BackupDir "" = none).
	BackupDir   string
	BackupEvery time.Duration
	BackupKeep  int
	// Mail: SMTPURL "" writes .eml files under DataDir/mail instead.
	SMTPURL   string
	MailFrom  string
	PublicURL string
}

// testHooks are what tests change beyond the configuration; a real run
// leaves them zero.
type testHooks struct {
	clock           clock
	syncInterval    time.Duration
	serverSelection time.Duration                   // how long an operation waits for MongoDB (default 5 s)
	idempotencyWait time.Duration                   // how long a retry waits for the first (default 10 s)
	wrapHandler     func(http.Handler) http.Handler // wraps the served handler
	mailPoll        time.Duration                   // how often the mail worker looks for due mail (default 5 s)
	listening       func(net.Addr)                  // told the address once serving
}

// clock is the time source of every service (see travelClock).
type clock interface {
	Now() time.Time
	Advance(time.Duration)
}

// loadConfig reads the environment; see the README's configuration table.
func loadConfig(getenv func(string) string) (config, error) {
	cfg := config{
		HTTPAddr:     envOr(getenv, "KIZUNA_HTTP_ADDR", ":8080"),
		MetricsAddr:  strings.TrimSpace(getenv("KIZUNA_METRICS_ADDR")),
		DataDir:      envOr(getenv, "KIZUNA_DATA_DIR", "./data"),
		MongoURI:     strings.TrimSpace(getenv("MONGODB_URI")),
		Database:     envOr(getenv, "KIZUNA_MONGODB_DATABASE", "kizuna"),
		WriteConcern: envOr(getenv, "KIZUNA_MONGODB_WRITE_CONCERN", "majority"),
		JWTSecret:    getenv("KIZUNA_JWT_SECRET"),
		CORSOrigins:  splitList(getenv("KIZUNA_CORS_ORIGINS")),
		AdminEmails:  splitList(getenv("KIZUNA_ADMIN_EMAILS")),
		SMTPURL:      strings.TrimSpace(getenv("KIZUNA_SMTP_URL")),
		MailFrom:     envOr(getenv, "KIZUNA_MAIL_FROM", "Kizuna <no-reply@kizuna.invalid>"),
		PublicURL:    strings.TrimRight(envOr(getenv, "KIZUNA_PUBLIC_URL", "http://localhost:8080"), "/"),
	}
	var errs []error
	switch strings.ToLower(envOr(getenv, "KIZUNA_LOG_LEVEL", "info")) {
	case "debug":
		cfg.LogLevel = slog.LevelDebug
	case "info":
		cfg.LogLevel = slog.LevelInfo
	case "warn", "warning":
		cfg.LogLevel = slog.LevelWarn
	case "error":
		cfg.LogLevel = slog.LevelError
	default:
		errs = append(errs, errors.New("KIZUNA_LOG_LEVEL must be debug, info, warn or error"))
	}
	var err error
	if cfg.IntroExpiryDays, err = envInt(getenv, "KIZUNA_INTRO_EXPIRY_DAYS", 14, 1, 365); err != nil {
		errs = append(errs, err)
	}
	if cfg.LapsedDays, err = envInt(getenv, "KIZUNA_LAPSED_DAYS", 90, 1, 3650); err != nil {
		errs = append(errs, err)
	}
	if cfg.AuthPerMinute, err = envInt(getenv, "KIZUNA_AUTH_RATE_PER_MINUTE", httpapi.DefaultAuthPerMinute, 1, 100000); err != nil {
		errs = append(errs, err)
	}
	if cfg.AuthEmailPerMinute, err = envInt(getenv, "KIZUNA_AUTH_EMAIL_RATE_PER_MINUTE", httpapi.DefaultAuthEmailPerMinute, 1, 100000); err != nil {
		errs = append(errs, err)
	}
	if cfg.PasswordPerMinute, err = envInt(getenv, "KIZUNA_PASSWORD_RATE_PER_MINUTE", httpapi.DefaultPasswordPerMinute, 1, 100000); err != nil {
		errs = append(errs, err)
	}
	if cfg.WritePerMinute, err = envInt(getenv, "KIZUNA_WRITE_RATE_PER_MINUTE", httpapi.DefaultWritePerMinute, 1, 1000000); err != nil {
		errs = append(errs, err)
	}
	if cfg.MaxConns, err = envInt(getenv, "KIZUNA_MAX_CONNS", defaultMaxConns(), 2, 1000000); err != nil {
		errs = append(errs, err)
	}
	if cfg.IdleTimeout, err = envDuration(getenv, "KIZUNA_IDLE_TIMEOUT", time.Minute, 100*time.Millisecond, time.Minute); err != nil {
		errs = append(errs, err)
	}
	cfg.BackupDir = strings.TrimSpace(getenv("KIZUNA_BACKUP_DIR"))
	if cfg.BackupEvery, err = envDuration(getenv, "KIZUNA_BACKUP_EVERY", 24*time.Hour, time.Minute, 30*24*time.Hour); err != nil {
		errs = append(errs, err)
	}
	if cfg.BackupKeep, err = envInt(getenv, "KIZUNA_BACKUP_KEEP", 7, 1, 1000); err != nil {
		errs = append(errs, err)
	}
	if cfg.BackupDir != "" && cfg.MongoURI != "" {
		errs = append(errs, errors.New("KIZUNA_BACKUP_DIR backs up the embedded database; on MongoDB use mongodump (see the README)"))
	}
	switch getenv("KIZUNA_DEMO") {
	case "", "0", "false":
	case "1", "true":
		cfg.Demo = true
	default:
		errs = append(errs, errors.New("KIZUNA_DEMO must be 1/true or 0/false"))
	}
	if _, err := mongodb.ParseWriteConcern(cfg.WriteConcern); err != nil {
		errs = append(errs, fmt.Errorf("KIZUNA_MONGODB_WRITE_CONCERN: %w", err))
	}
	if _, _, err := net.SplitHostPort(cfg.MetricsAddr); cfg.MetricsAddr != "" && err != nil {
		errs = append(errs, errors.New("KIZUNA_METRICS_ADDR must be host:port, e.g. 127.0.0.1:9090"))
	}
	if cfg.SMTPURL != "" {
		if _, err := mail.ParseSMTPURL(cfg.SMTPURL); err != nil {
			errs = append(errs, err) // never repeats the URL: it may hold a password
		}
	}
	if _, err := netmail.ParseAddress(cfg.MailFrom); err != nil {
		errs = append(errs, errors.New(`KIZUNA_MAIL_FROM must be an address such as "Kizuna <no-reply@example.jp>"`))
	}
	if u, err := url.Parse(cfg.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, errors.New("KIZUNA_PUBLIC_URL must be an http(s) URL, e.g. https://app.kizuna.example"))
	}
	if cfg.MongoURI != "" && cfg.JWTSecret == "" {
		errs = append(errs, errors.New("KIZUNA_JWT_SECRET is required when MONGODB_URI is set (every instance must share it)"))
	}
	if cfg.JWTSecret != "" && len(cfg.JWTSecret) < 32 {
		errs = append(errs, errors.New("KIZUNA_JWT_SECRET must be at least 32 characters"))
	}
	return cfg, errors.Join(errs...)
}

func envOr(getenv func(string) string, key, def string) string {
	if v := strings.TrimSpace(getenv(key)); v != "" {
		return v
	}
	return def
}

func envInt(getenv func(string) string, key string, def, lo, hi int) (int, error) {
	v := strings.TrimSpace(getenv(key))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return def, fmt.Errorf("%s must be an integer between %d and %d", key, lo, hi)
	}
	return n, nil
}

func envDuration(getenv func(string) string, key string, def, lo, hi time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(getenv(key))
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		return def, fmt.Errorf("%s must be a duration between %s and %s, e.g. 30s or 24h", key, lo, hi)
	}
	return d, nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// jwtSecret returns the configured secret or, in embedded mode, the one kept in
// the data directory (made on first start, mode 0600) so tokens survive restarts.
func jwtSecret(cfg config) ([]byte, error) {
	if cfg.JWTSecret != "" {
		return []byte(cfg.JWTSecret), nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	path := filepath.Join(cfg.DataDir, "jwt-secret")
	b, err := os.ReadFile(path)
	if err == nil {
		secret := strings.TrimSpace(string(b))
		if len(secret) < 32 {
			return nil, fmt.Errorf("%s holds a secret shorter than 32 characters", path)
		}
		return []byte(secret), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read JWT secret: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	secret := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return jwtSecret(cfg) // another process made it first
	}
	if err != nil {
		return nil, fmt.Errorf("write JWT secret: %w", err)
	}
	if _, err := f.WriteString(secret + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write JWT secret: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write JWT secret: %w", err)
	}
	return []byte(secret), nil
}

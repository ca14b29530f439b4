package main

import (
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigRateLimits(t *testing.T) {
	cfg, err := loadConfig(envOf(nil))
	must(t, err)
	if cfg.AuthPerMinute != 20 || cfg.AuthEmailPerMinute != 10 || cfg.PasswordPerMinute != 6 || cfg.WritePerMinute != 120 {
		t.Errorf("defaults %d/%d/%d/%d, want 20/10/6/120", cfg.AuthPerMinute, cfg.AuthEmailPerMinute, cfg.PasswordPerMinute, cfg.WritePerMinute)
	}
	cfg, err = loadConfig(envOf(map[string]string{
		"KIZUNA_AUTH_RATE_PER_MINUTE": "30", "KIZUNA_AUTH_EMAIL_RATE_PER_MINUTE": "5",
		"KIZUNA_PASSWORD_RATE_PER_MINUTE": "3", "KIZUNA_WRITE_RATE_PER_MINUTE": " 600 ",
	}))
	must(t, err)
	if cfg.AuthPerMinute != 30 || cfg.AuthEmailPerMinute != 5 || cfg.PasswordPerMinute != 3 || cfg.WritePerMinute != 600 {
		t.Errorf("configured %d/%d/%d/%d, want 30/5/3/600", cfg.AuthPerMinute, cfg.AuthEmailPerMinute, cfg.PasswordPerMinute, cfg.WritePerMinute)
	}
	for _, key := range []string{"KIZUNA_AUTH_RATE_PER_MINUTE", "KIZUNA_AUTH_EMAIL_RATE_PER_MINUTE", "KIZUNA_PASSWORD_RATE_PER_MINUTE", "KIZUNA_WRITE_RATE_PER_MINUTE"} {
		for _, bad := range []string{"0", "-1", "ten", "1.5"} {
			_, err := loadConfig(envOf(map[string]string{key: bad}))
			if err == nil || !strings.Contains(err.Error(), key) {
				t.Errorf("%s=%s: error %v, want one naming the variable", key, bad, err)
			}
		}
	}
}

package accounts

import (
	"context"
	"slices"

	"github.com/kizuna-dev/kizuna/internal/apperr"
)

// ErrRoleNotSelfService is returned when a user tries to take or drop a role
// that is not theirs to choose.
var ErrRoleNotSelfService = apperr.New(apperr.Invalid, "role_not_self_service",
	`only "founder" and "mentor" are yours to take or drop; organizer is granted by an admin`)

// selfService are the roles a user chooses: in regional communities founders
// often start mentoring later, and mentors found companies.
var selfService = []Role{RoleFounder, RoleMentor}

// AddOwnRole gives the caller founder or mentor (idempotent).
func (s *Service) AddOwnRole(ctx context.Context, p Principal, role Role) (User, error) {
	if err := roleGiven(role); err != nil {
		return User{}, err
	}
	if !slices.Contains(selfService, role) {
		return User{}, ErrRoleNotSelfService
	}
	return s.changeRole(ctx, p.UserID, role, true)
}

// RemoveOwnRole drops founder or mentor from the caller (idempotent). What
// depends on the role (active mentorships, the mentor's profile) is the
// caller's to settle first: see mentorships.Service.LeaveRole.
func (s *Service) RemoveOwnRole(ctx context.Context, p Principal, role Role) (User, error) {
	if !slices.Contains(selfService, role) {
		return User{}, ErrRoleNotSelfService
	}
	return s.changeRole(ctx, p.UserID, role, false)
}

// roleGiven refuses a request that names no role.
func roleGiven(role Role) error {
	var v apperr.Validation
	v.Check(role != "", "role", "is required")
	return v.Err()
}

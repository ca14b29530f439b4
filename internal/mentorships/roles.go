package mentorships

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/apperr"
)

// LeaveRole drops founder or mentor from the caller without ending anything
// silently: while they have active mentorships in that role it answers 409
// active_mentorships; a mentor's profile is paused (it stays, with its
// history, and comes back with the role). Taking the role again is
// accounts.AddOwnRole.
func (s *Service) LeaveRole(ctx context.Context, p accounts.Principal, role accounts.Role) (accounts.User, error) {
	field := ""
	switch role {
	case accounts.RoleMentor:
		field = "mentorId"
	case accounts.RoleFounder:
		field = "founderId"
	default:
		return accounts.User{}, accounts.ErrRoleNotSelfService
	}
	n, err := s.mentorships.CountDocuments(ctx, bson.D{{Key: field, Value: p.UserID}, {Key: "status", Value: MentorshipActive}})
	if err != nil {
		return accounts.User{}, fmt.Errorf("count active mentorships: %w", err)
	}
	if n > 0 {
		return accounts.User{}, apperr.New(apperr.Conflict, "active_mentorships",
			fmt.Sprintf("you have %d active mentorships as %s: complete or end them first", n, role))
	}
	if role == accounts.RoleMentor {
		if _, err := s.profiles.PauseMentor(ctx, p.UserID); err != nil && apperr.KindOf(err) != apperr.NotFound {
			return accounts.User{}, err
		}
	}
	return s.users.RemoveOwnRole(ctx, p, role)
}

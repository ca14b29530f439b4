package accounts

import (
	"context"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/apperr"
)

// ErrRoleNotGrantable is returned when an admin tries to grant a role that is
// not handed out through the admin path.
var ErrRoleNotGrantable = apperr.New(apperr.Invalid, "role_not_grantable", `only the "organizer" role is granted and revoked here`)

// GrantRole gives a user a role. Only organizer goes through this path: founder
// and mentor are the user's own choice, admin comes from configuration.
func (s *Service) GrantRole(ctx context.Context, admin Principal, userID bson.ObjectID, role Role) (User, error) {
	if !admin.Has(RoleAdmin) {
		return User{}, apperr.ErrForbidden
	}
	if err := roleGiven(role); err != nil {
		return User{}, err
	}
	if role != RoleOrganizer {
		return User{}, ErrRoleNotGrantable
	}
	return s.changeRole(ctx, userID, role, true)
}

// RevokeRole takes a role away (see GrantRole).
func (s *Service) RevokeRole(ctx context.Context, admin Principal, userID bson.ObjectID, role Role) (User, error) {
	if !admin.Has(RoleAdmin) {
		return User{}, apperr.ErrForbidden
	}
	if role != RoleOrganizer {
		return User{}, ErrRoleNotGrantable
	}
	return s.changeRole(ctx, userID, role, false)
}

// changeRole adds or removes a role. $addToSet/$pull under the user's write
// lock keep concurrent changes from undoing each other.
func (s *Service) changeRole(ctx context.Context, userID bson.ObjectID, role Role, add bool) (User, error) {
	u, err := s.Get(ctx, userID)
	if err != nil {
		return User{}, err
	}
	roles := slices.DeleteFunc(slices.Clone(u.Roles), func(r Role) bool { return r == role })
	if add {
		roles = append(roles, role)
	}
	slices.Sort(roles)
	if slices.Equal(roles, u.Roles) {
		return u, nil
	}
	op := "$pull"
	if add {
		op = "$addToSet"
	}
	return s.update(ctx, userID, bson.D{
		{Key: op, Value: bson.D{{Key: "roles", Value: role}}},
		{Key: "$set", Value: bson.D{{Key: "updatedAt", Value: s.now()}}},
	})
}

// SetSuspended suspends or reinstates a user. A suspended user's access tokens
// are refused from the next request on (this instance at once, others within
// the directory sync interval) and their refresh tokens stop working.
func (s *Service) SetSuspended(ctx context.Context, admin Principal, userID bson.ObjectID, suspended bool) (User, error) {
	if !admin.Has(RoleAdmin) {
		return User{}, apperr.ErrForbidden
	}
	if userID == admin.UserID && suspended {
		return User{}, apperr.New(apperr.Conflict, "cannot_suspend_self", "admins cannot suspend themselves")
	}
	return s.update(ctx, userID, bson.D{{Key: "$set", Value: bson.D{
		{Key: "suspended", Value: suspended}, {Key: "updatedAt", Value: s.now()},
	}}})
}

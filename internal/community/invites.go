package community

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
	"github.com/kizuna-dev/kizuna/internal/jst"
	"github.com/kizuna-dev/kizuna/internal/notifications"
)

// InviteResult counts what an invitation round did.
type InviteResult struct {
	Invited        int // newly notified
	AlreadyInvited int // had this invitation already
	OptedOut       int // turned invitations off
	Lapsed         int // lapsed members in all
}

// InviteLapsed invites every lapsed member of the event's community to the
// event with one in-app notification: never twice for one event (the
// notification key names event and member), never to someone who turned
// invitations off. For the community's organizers.
func (s *Service) InviteLapsed(ctx context.Context, p accounts.Principal, eventID bson.ObjectID) (InviteResult, error) {
	e, err := s.GetEvent(ctx, eventID)
	if err != nil {
		return InviteResult{}, err
	}
	c, err := s.Get(ctx, e.CommunityID)
	if err != nil {
		return InviteResult{}, err
	}
	if err := s.mayOrganize(p, c); err != nil {
		return InviteResult{}, err
	}
	if !e.StartsAt.After(s.clock()) {
		return InviteResult{}, ErrEventPast
	}
	members, err := s.lapsedMembers(ctx, c.ID)
	if err != nil {
		return InviteResult{}, err
	}
	var res InviteResult
	when := e.StartsAt.In(jst.Zone).Format("1月2日 15:04")
	whenEn := e.StartsAt.In(jst.Zone).Format("Jan 2, 15:04 JST")
	for _, m := range members {
		res.Lapsed++
		if !m.User.Preferences.Invitations {
			res.OptedOut++
			continue
		}
		ja, en := notifications.Say(notifications.KindEventInvitation, "", notifications.Vars{Title: e.Title, When: when, WhenEn: whenEn, Community: c.Name, CommunityEn: c.NameOrJa()})
		created, err := s.notify.Notify(ctx, notifications.Input{
			UserID: m.UserID, Kind: notifications.KindEventInvitation,
			Key:    "event-invite:" + e.ID.Hex() + ":" + m.UserID.Hex(),
			TextJa: ja, TextEn: en,
			Refs: notifications.Refs{EventID: e.ID, CommunityID: c.ID},
		})
		if err != nil {
			return res, err
		}
		if created {
			res.Invited++
		} else {
			res.AlreadyInvited++
		}
	}
	return res, nil
}

// NameOrJa is the English name, or the Japanese one when there is none.
func (c Community) NameOrJa() string {
	if c.NameEn != "" {
		return c.NameEn
	}
	return c.Name
}

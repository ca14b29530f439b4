package mentorships

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kizuna-dev/kizuna/internal/accounts"
)

// What the mails of an accepted and a declined introduction add to the
// notification's text (notifications.Input.Details), in the founder's
// language. A failure to read them is logged, and the mail goes without.

// contactDetails are the mentor's contact details for the founder they
// accepted (what the mentorship shows the founder from now on).
func (s *Service) contactDetails(ctx context.Context, founderID, mentorID bson.ObjectID) []string {
	users, err := s.users.GetMany(ctx, []bson.ObjectID{founderID, mentorID})
	if err != nil {
		s.log.ErrorContext(ctx, "contact details for the accepted mail", "err", err)
		return nil
	}
	m, en := users[mentorID], users[founderID].Locale == accounts.LocaleEn
	if m.Email == "" {
		return nil
	}
	out := []string{"メンターの連絡先: " + m.Email}
	if en {
		out[0] = "Your mentor's contact: " + m.Email
	}
	if m.Phone != "" {
		if en {
			out = append(out, "Phone: "+m.Phone)
		} else {
			out = append(out, "電話: "+m.Phone)
		}
	}
	return out
}

// declineReasons name the reasons a mentor gives, {ja, en}.
var declineReasons = map[string][2]string{
	ReasonNoCapacity:    {"いまは受け入れの余裕がない", "no room for another founder right now"},
	ReasonTopicMismatch: {"ご相談の内容が専門と合わない", "the topics are outside their experience"},
	ReasonTooFar:        {"距離が遠く会うのが難しい", "too far to meet"},
	ReasonOther:         {"その他", "other"},
}

// suggestionsAfterDecline is how many fresh suggestions a declined mail
// carries.
const suggestionsAfterDecline = 3

// declineDetails are the reason a mentor gave and the next suggestions of
// a fresh ranking for the request, leaving out the mentors already asked.
func (s *Service) declineDetails(ctx context.Context, in Introduction, reason string) []string {
	founder, err := s.users.Get(ctx, in.FounderID)
	if err != nil {
		s.log.ErrorContext(ctx, "details for the declined mail", "err", err)
		return nil
	}
	en := founder.Locale == accounts.LocaleEn
	var out []string
	if r, ok := declineReasons[reason]; ok {
		if en {
			out = append(out, "Their reason: "+r[1])
		} else {
			out = append(out, "理由: "+r[0])
		}
	}
	var req MatchRequest
	if err := s.requests.FindOne(ctx, bson.D{{Key: "_id", Value: in.RequestID}}).Decode(&req); err != nil {
		s.log.ErrorContext(ctx, "details for the declined mail", "err", err)
		return out
	}
	asked := map[bson.ObjectID]bool{in.MentorID: true}
	cur, err := s.intros.Find(ctx, bson.D{{Key: "requestId", Value: in.RequestID}})
	if err == nil {
		var intros []Introduction
		if cur.All(ctx, &intros) == nil {
			for _, i := range intros {
				asked[i.MentorID] = true
			}
		}
	}
	lang := accounts.LocaleJa
	if en {
		lang = accounts.LocaleEn
	}
	sug := s.rankOnly(s.matchingRequest(req), suggestionsAfterDecline+len(asked), lang)
	var next []string
	for _, it := range sug.Items {
		if asked[it.Mentor.ID] || len(next) == suggestionsAfterDecline {
			continue
		}
		topics := make([]string, len(it.MatchedTopics))
		for i, t := range it.MatchedTopics {
			topics[i] = s.topicJa(t)
			if en {
				topics[i] = s.topicEn(t)
			}
		}
		if en {
			next = append(next, fmt.Sprintf("- %s (about %.0f km; %s)", it.Mentor.DisplayName, it.DistanceKm, strings.Join(topics, ", ")))
		} else {
			next = append(next, fmt.Sprintf("・%s（約%.0fkm、%s）", it.Mentor.DisplayName, it.DistanceKm, strings.Join(topics, "・")))
		}
	}
	if len(next) > 0 {
		if en {
			out = append(out, "", "Your next suggestions:")
		} else {
			out = append(out, "", "次の候補:")
		}
		out = append(out, next...)
	}
	return out
}

package mail

import (
	"context"
	"fmt"
	"html"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Pseudonymize takes a deleted member's name out of mails to others that are
// not sent yet (an introduction received, accepted…), as the in-app
// notifications they copy are rewritten: the mail still goes, naming
// shownAs. Sent mails keep no text, and their subjects name nobody.
func (o *Outbox) Pseudonymize(ctx context.Context, name, shownAs string) error {
	if name == "" {
		return nil
	}
	cur, err := o.items.Find(ctx, bson.D{{Key: "state", Value: StatePending}},
		options.Find().SetProjection(bson.D{{Key: "subject", Value: 1}, {Key: "text", Value: 1}, {Key: "html", Value: 1}, {Key: "attempts", Value: 1}}))
	var pending []Message
	if err == nil {
		err = cur.All(ctx, &pending)
	}
	if err != nil {
		return fmt.Errorf("find pending mail: %w", err)
	}
	escName, escShown := html.EscapeString(name), html.EscapeString(shownAs)
	for _, m := range pending {
		if !strings.Contains(m.Subject, name) && !strings.Contains(m.Text, name) && !strings.Contains(m.HTML, escName) {
			continue
		}
		unlock := o.db.Lock(colOutbox, m.ID)
		_, err := o.items.UpdateOne(ctx, bson.D{{Key: "_id", Value: m.ID}, {Key: "state", Value: StatePending}, {Key: "attempts", Value: m.Attempts}},
			bson.D{{Key: "$set", Value: bson.D{
				{Key: "subject", Value: strings.ReplaceAll(m.Subject, name, shownAs)},
				{Key: "text", Value: strings.ReplaceAll(m.Text, name, shownAs)},
				{Key: "html", Value: strings.ReplaceAll(m.HTML, escName, escShown)},
			}}})
		unlock()
		if err != nil {
			return fmt.Errorf("rewrite pending mail: %w", err)
		}
	}
	return nil
}

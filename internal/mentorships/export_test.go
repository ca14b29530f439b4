package mentorships

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// What a crash between two writes leaves behind, for the package's tests
// (package mentorships_test): each writes one arbitration document and stops.

// RecordDecisionOnly records a decision on an introduction without applying
// it: a crash after recordDecision, before apply.
func (s *Service) RecordDecisionOnly(ctx context.Context, introID, by bson.ObjectID, status, reason string) error {
	return s.recordDecision(ctx, decision{ID: introID, Status: status, By: by, Reason: reason, At: s.clock()})
}

// ClaimMatchedOnly claims a request's outcome for one of its introductions,
// as an accept does before recording its decision.
func (s *Service) ClaimMatchedOnly(ctx context.Context, requestID, introID bson.ObjectID) error {
	_, err := s.claimOutcome(ctx, requestID, outcome{ID: requestID, Outcome: RequestMatched, IntroductionID: introID, At: s.clock()})
	return err
}

// ClaimSeatOnly takes one of a mentor's places for an introduction, as an
// accept does first.
func (s *Service) ClaimSeatOnly(ctx context.Context, mentorID, introID bson.ObjectID, capacity int) error {
	return s.claimSeat(ctx, mentorID, introID, capacity)
}

// SeatsHeld counts the places a mentor's mentorships hold.
func (s *Service) SeatsHeld(ctx context.Context, mentorID bson.ObjectID) int64 {
	n, err := s.seats.CountDocuments(ctx, bson.D{{Key: "mentorId", Value: mentorID}})
	if err != nil {
		panic(err)
	}
	return n
}

// PendingSlotsHeld counts the pending places a request's introductions hold.
func (s *Service) PendingSlotsHeld(ctx context.Context, requestID bson.ObjectID) int64 {
	n, err := s.introSlots.CountDocuments(ctx, bson.D{{Key: "requestId", Value: requestID}})
	if err != nil {
		panic(err)
	}
	return n
}

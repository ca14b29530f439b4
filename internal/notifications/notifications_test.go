package notifications

import (
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestCheckInput(t *testing.T) {
	ok := Input{UserID: bson.NewObjectID(), Kind: KindKeepInTouch, TextJa: "お元気ですか", TextEn: "How are you?", Key: "k"}
	if err := checkInput(ok); err != nil {
		t.Fatalf("valid input refused: %v", err)
	}
	cases := map[string]func(*Input){
		"no user":      func(in *Input) { in.UserID = bson.ObjectID{} },
		"no kind":      func(in *Input) { in.Kind = "" },
		"unknown kind": func(in *Input) { in.Kind = "birthday" },
		"blank ja":     func(in *Input) { in.TextJa = "  " },
		"no en":        func(in *Input) { in.TextEn = "" },
		"long key":     func(in *Input) { in.Key = strings.Repeat("k", MaxKeyLen+1) },
		"reserved key": func(in *Input) { in.Key = "auto:123" },
	}
	for name, edit := range cases {
		in := ok
		edit(&in)
		if err := checkInput(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	long := ok
	long.Key = strings.Repeat("鍵", MaxKeyLen) // characters, not bytes
	if err := checkInput(long); err != nil {
		t.Errorf("key of %d characters refused: %v", MaxKeyLen, err)
	}
	for _, k := range Kinds {
		if !k.Valid() {
			t.Errorf("kind %q not valid", k)
		}
	}
}

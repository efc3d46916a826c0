// Command chaos-journey plays the first minutes of Chaos World the way a
// native game client written in Go would: plain gRPC (grpc-go) to the
// gateway's public face, the access token in the authorization header, and
// errors read from google.rpc.ErrorInfo. It registers, logs in, creates a
// character, finds a training target, casts a fireball, casts it again
// (which the cooldown must refuse), then trades with a second player it
// registers (an offer of gold, accepted, then accepted again, which must
// answer the same settled trade), and prints one JSON line of what it saw.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	combatv1 "chaos.world/gen/go/chaos/combat/v1"
	gatewayv1 "chaos.world/gen/go/chaos/gateway/v1"
	identityv1 "chaos.world/gen/go/chaos/identity/v1"
	playerv1 "chaos.world/gen/go/chaos/player/v1"
	tradingv1 "chaos.world/gen/go/chaos/trading/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

type outcome struct {
	APIVersions     []string `json:"api_versions"`
	AccountID       string   `json:"account_id"`
	CharacterID     string   `json:"character_id"`
	TargetID        string   `json:"target_id"`
	Damage          int32    `json:"damage"`
	TargetHealth    int32    `json:"target_health"`
	CasterMana      int32    `json:"caster_mana"`
	SecondCastCode  string   `json:"second_cast_code"`
	SecondCastError string   `json:"second_cast_reason"`
	RemainingMs     string   `json:"second_cast_remaining_ms"`
	TradeState      string   `json:"trade_state"`
	TradeAgainState string   `json:"trade_accept_again_state"`
	SelfTradeCode   string   `json:"self_trade_code"`
	SelfTradeReason string   `json:"self_trade_reason"`
}

func main() {
	addr := flag.String("gateway", "127.0.0.1:7210", "host:port of the gateway's gRPC (HTTP/2) face")
	email := flag.String("email", "", "email of the new account")
	password := flag.String("password", "correct horse battery staple", "password of the new account")
	name := flag.String("name", "GoMage", "character name")
	flag.Parse()
	if *email == "" {
		fail(errors.New("-email is required"))
	}

	// The public face is cleartext HTTP/2 on loopback; TLS at the edge is the ingress gateway's job.
	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fail(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var out outcome
	info, err := gatewayv1.NewGatewayServiceClient(conn).GetServerInfo(ctx, &gatewayv1.GetServerInfoRequest{})
	if err != nil {
		fail(fmt.Errorf("GetServerInfo: %w", err))
	}
	out.APIVersions = info.ApiVersions

	identity := identityv1.NewIdentityServiceClient(conn)
	registered, err := identity.Register(ctx, &identityv1.RegisterRequest{Email: *email, Password: *password})
	if err != nil {
		fail(fmt.Errorf("Register: %w", err))
	}
	out.AccountID = registered.GetAccount().GetAccountId()
	login, err := identity.Login(ctx, &identityv1.LoginRequest{Email: *email, Password: *password, UserAgent: "chaos-journey (Go)"})
	if err != nil {
		fail(fmt.Errorf("Login: %w", err))
	}
	authed := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+login.GetTokens().GetAccessToken())

	player := playerv1.NewPlayerServiceClient(conn)
	created, err := player.CreateCharacter(authed, &playerv1.CreateCharacterRequest{Name: *name, CharacterClass: playerv1.CharacterClass_CHARACTER_CLASS_MAGE})
	if err != nil {
		fail(fmt.Errorf("CreateCharacter: %w", err))
	}
	me := created.GetCharacter()
	out.CharacterID = me.GetCharacterId()
	zone, err := player.ListCharactersInZone(authed, &playerv1.ListCharactersInZoneRequest{ZoneId: me.GetPosition().GetZoneId(), PageSize: 100})
	if err != nil {
		fail(fmt.Errorf("ListCharactersInZone: %w", err))
	}
	for _, c := range zone.GetCharacters() {
		if c.GetKind() == playerv1.CharacterKind_CHARACTER_KIND_TRAINING_TARGET && !c.GetDefeated() {
			out.TargetID = c.GetCharacterId()
			break
		}
	}
	if out.TargetID == "" {
		fail(errors.New("no training target in the starting zone"))
	}

	combat := combatv1.NewCombatServiceClient(conn)
	cast := &combatv1.CastSpellRequest{CasterCharacterId: out.CharacterID, SpellId: "fireball", TargetId: out.TargetID}
	hit, err := combat.CastSpell(authed, cast)
	if err != nil {
		fail(fmt.Errorf("CastSpell: %w", err))
	}
	out.Damage, out.TargetHealth, out.CasterMana = hit.GetDamage(), hit.GetTargetHealth(), hit.GetCasterMana()

	_, err = combat.CastSpell(authed, cast)
	st := status.Convert(err)
	out.SecondCastCode = st.Code().String()
	for _, detail := range st.Details() {
		if info, ok := detail.(*errdetails.ErrorInfo); ok {
			out.SecondCastError = info.GetReason()
			out.RemainingMs = info.GetMetadata()["remaining_ms"]
		}
	}

	// A second player to trade with, as a second game client would be.
	friendEmail := "friend-" + *email
	if _, err := identity.Register(ctx, &identityv1.RegisterRequest{Email: friendEmail, Password: *password}); err != nil {
		fail(fmt.Errorf("Register (friend): %w", err))
	}
	friendLogin, err := identity.Login(ctx, &identityv1.LoginRequest{Email: friendEmail, Password: *password, UserAgent: "chaos-journey (Go)"})
	if err != nil {
		fail(fmt.Errorf("Login (friend): %w", err))
	}
	friendAuthed := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+friendLogin.GetTokens().GetAccessToken())
	friend, err := player.CreateCharacter(friendAuthed, &playerv1.CreateCharacterRequest{Name: *name + "F", CharacterClass: playerv1.CharacterClass_CHARACTER_CLASS_WARRIOR})
	if err != nil {
		fail(fmt.Errorf("CreateCharacter (friend): %w", err))
	}

	trading := tradingv1.NewTradingServiceClient(conn)
	offer := &tradingv1.ProposeTradeRequest{
		ProposerCharacterId:     out.CharacterID,
		CounterpartyCharacterId: friend.GetCharacter().GetCharacterId(),
		Offer:                   &tradingv1.TradeAssets{Gold: 10},
		Request:                 &tradingv1.TradeAssets{},
		IdempotencyKey:          "go-journey-" + out.CharacterID,
	}
	// Trading learns of new characters from player's events: a fresh character may need a moment.
	var proposed *tradingv1.ProposeTradeResponse
	for attempt := 0; ; attempt++ {
		proposed, err = trading.ProposeTrade(authed, offer)
		if err == nil || attempt == 50 || status.Code(err) != codes.NotFound && status.Code(err) != codes.PermissionDenied {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		fail(fmt.Errorf("ProposeTrade: %w", err))
	}
	accepted, err := trading.AcceptTrade(friendAuthed, &tradingv1.AcceptTradeRequest{TradeId: proposed.GetTrade().GetTradeId()})
	if err != nil {
		fail(fmt.Errorf("AcceptTrade: %w", err))
	}
	out.TradeState = accepted.GetTrade().GetState().String()
	again, err := trading.AcceptTrade(friendAuthed, &tradingv1.AcceptTradeRequest{TradeId: proposed.GetTrade().GetTradeId()})
	if err != nil {
		fail(fmt.Errorf("AcceptTrade (again): %w", err))
	}
	out.TradeAgainState = again.GetTrade().GetState().String()
	_, err = trading.ProposeTrade(authed, &tradingv1.ProposeTradeRequest{
		ProposerCharacterId: out.CharacterID, CounterpartyCharacterId: out.CharacterID,
		Offer: &tradingv1.TradeAssets{Gold: 1}, Request: &tradingv1.TradeAssets{}, IdempotencyKey: "go-self-" + out.CharacterID,
	})
	selfTrade := status.Convert(err)
	out.SelfTradeCode = selfTrade.Code().String()
	for _, detail := range selfTrade.Details() {
		if info, ok := detail.(*errdetails.ErrorInfo); ok {
			out.SelfTradeReason = info.GetReason()
		}
	}

	line, _ := json.Marshal(out)
	fmt.Println(string(line))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "chaos-journey:", err)
	os.Exit(1)
}

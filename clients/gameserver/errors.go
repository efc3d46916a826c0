package main

import (
	gameserverv1 "chaos.world/gen/go/chaos/gameserver/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// errorDomain is the ErrorInfo domain of our reasons, "<service>.chaos.world" as every service's.
const errorDomain = "gameserver.chaos.world"

// reasonError is a status carrying a google.rpc.ErrorInfo with one of our
// ErrorReasons, by its proto name ("ERROR_REASON_SERVER_FULL"), as the Node
// services send theirs: clients branch on the reason, never on the message.
func reasonError(code codes.Code, reason gameserverv1.ErrorReason, message string, metadata map[string]string) error {
	st, err := status.New(code, message).WithDetails(&errdetails.ErrorInfo{Reason: reason.String(), Domain: errorDomain, Metadata: metadata})
	if err != nil {
		// Only a detail that cannot be marshalled fails; ErrorInfo always can.
		return status.Error(code, message)
	}
	return st.Err()
}

func invalidArgument(message string) error {
	return status.Error(codes.InvalidArgument, message)
}

package live

import (
	"encoding/json"
	"errors"

	"kith/models"
)

// frame is what the server sends: an event of a topic, or a control frame
// (error, resync, subscribed, presence).
type frame struct {
	Topic string          `json:"topic"`
	Seq   *int64          `json:"seq,omitempty"`
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// prepare encodes a frame once, as the bytes a socket is sent; every
// subscriber is written the same bytes.
func prepare(f frame) wire {
	b, err := json.Marshal(f)
	if err != nil {
		panic(err) // frames are built from JSON the store wrote and from plain values
	}
	return encode(opText, b)
}

// eventFrame is {"topic":"thread:42","seq":1234,"event":"post.created","data":{...}}.
func eventFrame(public string, e models.Event) wire {
	seq := e.Seq
	data := json.RawMessage(e.Payload)
	if !json.Valid(data) {
		data = nil
	}
	return prepare(frame{Topic: public, Seq: &seq, Event: e.Kind, Data: data})
}

func controlFrame(topic, event string, seq *int64, data any) wire {
	f := frame{Topic: topic, Seq: seq, Event: event}
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			panic(err)
		}
		f.Data = b
	}
	return prepare(f)
}

// errorFrame is {"event":"error","topic":...,"data":{"code":...,"message":...}}.
func errorFrame(topic, code, message string) wire {
	return controlFrame(topic, "error", nil, map[string]string{"code": code, "message": message})
}

// refusal is the error frame for a domain error, or a generic one (logged)
// for anything else.
func (h *Hub) refusal(topic string, err error) wire {
	var de *models.Error
	if errors.As(err, &de) {
		return errorFrame(topic, de.Code, de.Message)
	}
	if h.ctx.Err() == nil {
		h.log.Error("live: subscribe", "topic", topic, "err", err)
	}
	return errorFrame(topic, "internal", "Something went wrong; try again.")
}

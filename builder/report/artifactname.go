package report

import (
	"encoding/base64"
	"encoding/json"
	"unicode/utf8"
)

// artifactJSON is Artifact as result.json and report.json hold it. JSON
// strings are UTF-8, and a file name on Linux is any bytes: encoding/json
// would turn the bytes that are not UTF-8 into U+FFFD, and the record would
// name a file that does not exist (its target then rebuilt forever). Such a
// name keeps its exact bytes in name_base64; name still shows it, with
// U+FFFD, for people and for readers that know only name. Names that are
// UTF-8 (nearly all) are written as before.
type artifactJSON struct {
	Name       string `json:"name"`
	NameBase64 string `json:"name_base64,omitempty"`
	Size       int64  `json:"size"`
	SHA256     string `json:"sha256"`
}

func (a Artifact) MarshalJSON() ([]byte, error) {
	j := artifactJSON{Name: a.Name, Size: a.Size, SHA256: a.SHA256}
	if !utf8.ValidString(a.Name) {
		j.NameBase64 = base64.StdEncoding.EncodeToString([]byte(a.Name))
	}
	return json.Marshal(j)
}

func (a *Artifact) UnmarshalJSON(b []byte) error {
	var j artifactJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*a = Artifact{Name: j.Name, Size: j.Size, SHA256: j.SHA256}
	if j.NameBase64 != "" {
		raw, err := base64.StdEncoding.DecodeString(j.NameBase64)
		if err != nil {
			return err
		}
		a.Name = string(raw)
	}
	return nil
}

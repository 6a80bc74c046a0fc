package calendar

// Asia/Shanghai must load even in a scratch or distroless container with no
// /usr/share/zoneinfo; the embedded database costs about 450 KB.
import _ "time/tzdata"

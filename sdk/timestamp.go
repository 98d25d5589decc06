package sdk

import (
	"strconv"
	"time"
)

// timestamp formats t as the service does: RFC 3339 in UTC with milliseconds, as
// 2006-01-02T15:04:05.000Z. It works from t's Unix time by hand because time.Format,
// and even t.Date, link time's layout and time-zone code: about 14 KB brotli of the
// WebAssembly build.
func timestamp(t time.Time) string {
	const msPerDay = 24 * 60 * 60 * 1000
	ms := t.UnixMilli()
	days, msOfDay := ms/msPerDay, ms%msPerDay
	if msOfDay < 0 { // before 1970: floor, not truncate
		days, msOfDay = days-1, msOfDay+msPerDay
	}
	year, month, day := civilDate(days)
	b := make([]byte, 0, len("2006-01-02T15:04:05.000Z"))
	b = appendPadded(b, year, 4)
	b = appendPadded(append(b, '-'), month, 2)
	b = appendPadded(append(b, '-'), day, 2)
	b = appendPadded(append(b, 'T'), msOfDay/3600000, 2)
	b = appendPadded(append(b, ':'), msOfDay/60000%60, 2)
	b = appendPadded(append(b, ':'), msOfDay/1000%60, 2)
	b = appendPadded(append(b, '.'), msOfDay%1000, 3)
	return string(append(b, 'Z'))
}

// civilDate is the proleptic Gregorian date of a count of days since 1970-01-01:
// Howard Hinnant's civil_from_days (howardhinnant.github.io/date_algorithms.html).
func civilDate(days int64) (year, month, day int64) {
	z := days + 719468 // days since 0000-03-01: leap days fall at the end of a year
	era := z / 146097  // 400-year cycles
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097                                  // day of the era, [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of the era, [0, 399]
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of the year from March 1
	mp := (5*doy + 2) / 153                                // month from March, [0, 11]
	day = doy - (153*mp+2)/5 + 1
	month = mp + 3
	if month > 12 {
		month -= 12
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

// appendPadded appends n >= 0 in decimal, with leading zeros up to width digits.
func appendPadded(b []byte, n int64, width int) []byte {
	for p := int64(10); width > 1; p, width = p*10, width-1 {
		if n < p {
			b = append(b, '0')
		}
	}
	return strconv.AppendInt(b, n, 10)
}

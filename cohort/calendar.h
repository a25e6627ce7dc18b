#pragma once
// Dates as whole days since 1970-01-01 (the proleptic Gregorian calendar), the one date
// representation of the population store: comparisons and windows are integer arithmetic.
#include <cstdint>
#include <string>

namespace molsieve::cohort {

using Day = std::int32_t;

Day day_from_civil(int year, int month, int day);
void civil_from_day(Day d, int* year, int* month, int* day);
int year_of(Day d);
// Parses YYYY-MM-DD (and OMOP's YYYY-MM-DD HH:MM:SS datetimes, whose time is dropped);
// returns false when `text` is not such a date.
bool parse_date(const std::string& text, Day* out);
std::string format_date(Day d);

}  // namespace molsieve::cohort

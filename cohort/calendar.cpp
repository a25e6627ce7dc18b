#include "cohort/calendar.h"

#include <cstdio>

namespace molsieve::cohort {

// Howard Hinnant's days-from-civil algorithm: exact for every Gregorian date.
Day day_from_civil(int year, int month, int day) {
  year -= month <= 2;
  const int era = (year >= 0 ? year : year - 399) / 400;
  const unsigned year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<int>(day_of_era) - 719468;
}

void civil_from_day(Day d, int* year, int* month, int* day) {
  const int z = d + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned day_of_era = static_cast<unsigned>(z - era * 146097);
  const unsigned year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned mp = (5 * day_of_year + 2) / 153;
  *day = static_cast<int>(day_of_year - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = static_cast<int>(year_of_era) + era * 400 + (*month <= 2);
}

int year_of(Day d) {
  int year, month, day;
  civil_from_day(d, &year, &month, &day);
  return year;
}

bool parse_date(const std::string& text, Day* out) {
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return false;
  if (text.size() > 10 && text[10] != ' ' && text[10] != 'T') return false;
  int parts[3] = {0, 0, 0};
  const int starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p)
    for (int k = 0; k < lengths[p]; ++k) {
      const char c = text[starts[p] + k];
      if (c < '0' || c > '9') return false;
      parts[p] = parts[p] * 10 + (c - '0');
    }
  static const int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (parts[1] < 1 || parts[1] > 12 || parts[2] < 1 || parts[2] > month_days[parts[1] - 1]) return false;
  const Day d = day_from_civil(parts[0], parts[1], parts[2]);
  int y, m, dd;
  civil_from_day(d, &y, &m, &dd);
  if (m != parts[1] || dd != parts[2]) return false;  // 29 February of a common year
  *out = d;
  return true;
}

std::string format_date(Day d) {
  int year, month, day;
  civil_from_day(d, &year, &month, &day);
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", year, month, day);
  return text;
}

}  // namespace molsieve::cohort

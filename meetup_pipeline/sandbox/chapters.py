"""The chapters of the sandbox's Pro network: real cities on every continent, in real zones.

Chosen to cover what a worldwide network throws at a warehouse: 46 chapters on 30+ distinct
UTC offsets, including +05:45 (Kathmandu), +03:30 (Tehran), +13:00 (Tonga; Auckland in
summer), +14:00 (Apia in summer until 2021), -10:00 (Honolulu), -03:30 (St. John's), and
the southern hemisphere's DST (Sydney, Melbourne, Adelaide, Auckland, Santiago, Sao Paulo
until 2019). None is within 300 miles of the Bay Area world's centre, so no Bay Area search
ever finds one. Coordinates are city centres rounded like Meetup's (two decimals).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class ChapterDef:
    city: str
    country: str
    """ISO 3166 alpha-2, lower case like the live API."""
    state: str
    lat: float
    lon: float
    timezone: str


CHAPTERS: tuple[ChapterDef, ...] = (
    ChapterDef("Auckland", "nz", "", -36.85, 174.76, "Pacific/Auckland"),
    ChapterDef("Wellington", "nz", "", -41.29, 174.78, "Pacific/Auckland"),
    ChapterDef("Nuku'alofa", "to", "", -21.14, -175.2, "Pacific/Tongatapu"),
    ChapterDef("Apia", "ws", "", -13.83, -171.76, "Pacific/Apia"),
    ChapterDef("Sydney", "au", "", -33.87, 151.21, "Australia/Sydney"),
    ChapterDef("Melbourne", "au", "", -37.81, 144.96, "Australia/Melbourne"),
    ChapterDef("Brisbane", "au", "", -27.47, 153.03, "Australia/Brisbane"),
    ChapterDef("Adelaide", "au", "", -34.93, 138.6, "Australia/Adelaide"),
    ChapterDef("Perth", "au", "", -31.95, 115.86, "Australia/Perth"),
    ChapterDef("Tokyo", "jp", "", 35.68, 139.69, "Asia/Tokyo"),
    ChapterDef("Seoul", "kr", "", 37.57, 126.98, "Asia/Seoul"),
    ChapterDef("Shanghai", "cn", "", 31.23, 121.47, "Asia/Shanghai"),
    ChapterDef("Singapore", "sg", "", 1.35, 103.82, "Asia/Singapore"),
    ChapterDef("Jakarta", "id", "", -6.21, 106.85, "Asia/Jakarta"),
    ChapterDef("Bangkok", "th", "", 13.76, 100.5, "Asia/Bangkok"),
    ChapterDef("Dhaka", "bd", "", 23.81, 90.41, "Asia/Dhaka"),
    ChapterDef("Kathmandu", "np", "", 27.72, 85.32, "Asia/Kathmandu"),
    ChapterDef("Bengaluru", "in", "", 12.97, 77.59, "Asia/Kolkata"),
    ChapterDef("Karachi", "pk", "", 24.86, 67.0, "Asia/Karachi"),
    ChapterDef("Dubai", "ae", "", 25.2, 55.27, "Asia/Dubai"),
    ChapterDef("Tehran", "ir", "", 35.69, 51.39, "Asia/Tehran"),
    ChapterDef("Nairobi", "ke", "", -1.29, 36.82, "Africa/Nairobi"),
    ChapterDef("Istanbul", "tr", "", 41.01, 28.98, "Europe/Istanbul"),
    ChapterDef("Cairo", "eg", "", 30.04, 31.24, "Africa/Cairo"),
    ChapterDef("Johannesburg", "za", "", -26.2, 28.05, "Africa/Johannesburg"),
    ChapterDef("Berlin", "de", "", 52.52, 13.4, "Europe/Berlin"),
    ChapterDef("Lagos", "ng", "", 6.52, 3.38, "Africa/Lagos"),
    ChapterDef("London", "gb", "", 51.51, -0.13, "Europe/London"),
    ChapterDef("Lisbon", "pt", "", 38.72, -9.14, "Europe/Lisbon"),
    ChapterDef("Accra", "gh", "", 5.6, -0.19, "Africa/Accra"),
    ChapterDef("Praia", "cv", "", 14.93, -23.51, "Atlantic/Cape_Verde"),
    ChapterDef("Sao Paulo", "br", "", -23.55, -46.63, "America/Sao_Paulo"),
    ChapterDef("Buenos Aires", "ar", "", -34.6, -58.38, "America/Argentina/Buenos_Aires"),
    ChapterDef("Montevideo", "uy", "", -34.9, -56.16, "America/Montevideo"),
    ChapterDef("Santiago", "cl", "", -33.45, -70.67, "America/Santiago"),
    ChapterDef("St. John's", "ca", "NL", 47.56, -52.71, "America/St_Johns"),
    ChapterDef("New York", "us", "NY", 40.71, -74.01, "America/New_York"),
    ChapterDef("Bogota", "co", "", 4.71, -74.07, "America/Bogota"),
    ChapterDef("Lima", "pe", "", -12.05, -77.04, "America/Lima"),
    ChapterDef("Mexico City", "mx", "", 19.43, -99.13, "America/Mexico_City"),
    ChapterDef("Chicago", "us", "IL", 41.88, -87.63, "America/Chicago"),
    ChapterDef("Denver", "us", "CO", 39.74, -104.99, "America/Denver"),
    ChapterDef("Phoenix", "us", "AZ", 33.45, -112.07, "America/Phoenix"),
    ChapterDef("Seattle", "us", "WA", 47.61, -122.33, "America/Los_Angeles"),
    ChapterDef("Anchorage", "us", "AK", 61.22, -149.9, "America/Anchorage"),
    ChapterDef("Honolulu", "us", "HI", 21.31, -157.86, "Pacific/Honolulu"),
)

LEFT_CHAPTER = "Lima"
"""The chapter that left the network (`LEFT_AT`): still a Meetup group, no longer listed."""
LEFT_AT = datetime(2021, 6, 30, 12, 0, tzinfo=UTC)

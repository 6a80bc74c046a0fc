package demo

import (
	"math/rand/v2"
	"slices"
)

// The profiles below are the demo's picture of a year in Qingdao, at scale
// 1. Their shapes carry the seed report's figures: enterprise set-up done
// within 1 working day, set-up in 2 steps, full construction approval
// within 85 working days, real-estate registration within 3, gas / water /
// power connections averaging under 6 / 3 / 12, general (全科) window
// cases averaging about 3 working days against a promised 10 (70% faster),
// and most cases approved instantly (秒批).

// weighted is a value with a relative weight.
type weighted[T any] struct {
	value  T
	weight float64
}

// pick returns one of choices at random in proportion to their weights.
func pick[T any](r *rand.Rand, choices []weighted[T]) T {
	var total float64
	for _, c := range choices {
		total += c.weight
	}
	x := r.Float64() * total
	for _, c := range choices {
		if x < c.weight {
			return c.value
		}
		x -= c.weight
	}
	return choices[len(choices)-1].value
}

// elapsed draws a case's duration in working days.
type elapsed func(r *rand.Rand) int

// binomial is lo plus the successes of n trials of probability p: mean
// lo + n·p, never above lo + n.
func binomial(lo, n int, p float64) elapsed {
	return func(r *rand.Rand) int {
		k := lo
		for range n {
			if r.Float64() < p {
				k++
			}
		}
		return k
	}
}

// withOverdue makes a small share of cases run past the promise by 1–3
// working days, as a few always do.
func withOverdue(e elapsed, promised int, share float64) elapsed {
	return func(r *rand.Rand) int {
		if r.Float64() < share {
			return promised + 1 + r.IntN(3)
		}
		return e(r)
	}
}

// categorical draws working days from explicit probabilities: shares[k] is
// the weight of k working days.
func categorical(shares ...float64) elapsed {
	choices := make([]weighted[int], len(shares))
	for k, s := range shares {
		choices[k] = weighted[int]{k, s}
	}
	return func(r *rand.Rand) int { return pick(r, choices) }
}

// sameDay is for items finished the day they are accepted.
func sameDay(*rand.Rand) int { return 0 }

// Channel mixes.
var (
	instantChannels = []weighted[string]{{"online", 45}, {"mobile", 40}, {"self_service", 15}}
	onlineChannels  = []weighted[string]{{"online", 70}, {"mobile", 20}, {"self_service", 10}}
	// generalWindow is the mix of items handled at the general (全科无差别)
	// windows, which carry the report's "3 working days, 70% faster".
	generalWindow = []weighted[string]{{"window", 60}, {"online", 25}, {"mobile", 10}, {"self_service", 5}}
	// someWindow is for 5–7-day items, a few of which come to the windows.
	someWindow       = []weighted[string]{{"window", 10}, {"online", 75}, {"mobile", 15}}
	realEstate       = []weighted[string]{{"online", 50}, {"mobile", 30}, {"self_service", 20}}
	utilityChannels  = []weighted[string]{{"online", 50}, {"mobile", 40}, {"self_service", 10}}
	projectChannels  = []weighted[string]{{"online", 100}}
	cityDistricts    = []weighted[string]{{"citywide", 10}, {"shinan", 9}, {"shibei", 10}, {"licang", 6}, {"laoshan", 7}, {"huangdao", 14}, {"chengyang", 9}, {"jimo", 8}, {"jiaozhou", 7}, {"pingdu", 5}, {"laixi", 4}, {"bonded-port-zone", 2}, {"etdz", 3}, {"sco-demo-zone", 2}, {"ftz-qingdao", 3}}
	bondedDistricts  = append([]weighted[string]{{"bonded-port-zone", 40}}, cityDistricts...)
	projectDistricts = []weighted[string]{{"huangdao", 22}, {"chengyang", 12}, {"jimo", 12}, {"jiaozhou", 12}, {"laoshan", 8}, {"licang", 6}, {"shibei", 6}, {"shinan", 4}, {"pingdu", 6}, {"laixi", 5}, {"etdz", 3}, {"sco-demo-zone", 2}, {"ftz-qingdao", 2}}
)

// licenceProfile says an approved case of the item issues a licence.
type licenceProfile struct {
	licenseType string
	holders     []weighted[string]
	steps       int
	electronic  float64 // share issued as electronic licences
}

var (
	enterprises        = []weighted[string]{{"enterprise", 1}}
	individualBusiness = []weighted[string]{{"individual_business", 1}}
	owners             = []weighted[string]{{"individual", 85}, {"enterprise", 15}}
	operators          = []weighted[string]{{"enterprise", 70}, {"individual_business", 25}, {"institution", 5}}
)

// itemProfile is the yearly picture of one catalogue item.
type itemProfile struct {
	item      string
	cases     int // per year at scale 1
	channels  []weighted[string]
	districts []weighted[string]
	elapsed   elapsed // nil for instant items
	licence   *licenceProfile
}

// instantItems are the instant-approval (秒批) items: finished seconds
// after acceptance, the bulk of all cases.
func instantItems() []itemProfile {
	return []itemProfile{
		{item: "enterprise_establishment_instant", cases: 6000, channels: instantChannels, districts: bondedDistricts,
			licence: &licenceProfile{"business_license", enterprises, 2, 1}},
		{item: "individual_business_registration_instant", cases: 9000, channels: instantChannels, districts: bondedDistricts,
			licence: &licenceProfile{"business_license", individualBusiness, 2, 1}},
		{item: "seal_engraving_filing", cases: 8000, channels: instantChannels, districts: cityDistricts},
		{item: "tax_registration_new", cases: 8000, channels: instantChannels, districts: cityDistricts},
		{item: "foreign_trade_operator_filing", cases: 2000, channels: instantChannels, districts: bondedDistricts},
		{item: "real_estate_record_query", cases: 10000, channels: instantChannels, districts: cityDistricts},
		{item: "employer_social_insurance_registration", cases: 5000, channels: instantChannels, districts: cityDistricts},
		{item: "employment_registration", cases: 12000, channels: instantChannels, districts: cityDistricts},
		{item: "medical_insurance_enrolment", cases: 10000, channels: instantChannels, districts: cityDistricts},
		{item: "out_of_town_treatment_filing", cases: 8000, channels: instantChannels, districts: cityDistricts},
		{item: "housing_fund_withdrawal", cases: 12000, channels: instantChannels, districts: cityDistricts},
	}
}

// standardItems are the items handled over working days.
func standardItems() []itemProfile {
	// Within 1 working day for all but 0.4%: the report's "enterprise
	// set-up in 1 working day".
	setUp := categorical(0.70, 0.296, 0.004)
	oneDay := binomial(0, 1, 0.3)
	// Promised 10, about 3 on average (70% faster), a few overdue.
	tenDay := withOverdue(binomial(0, 10, 0.3), 10, 0.003)
	fiveDay := binomial(0, 5, 0.3)
	threeDay := categorical(0.20, 0.35, 0.30, 0.15)
	return slices.Concat(
		[]itemProfile{
			{item: "enterprise_establishment", cases: 8000, channels: onlineChannels, districts: cityDistricts, elapsed: setUp,
				licence: &licenceProfile{"business_license", enterprises, 2, 0.98}},
			{item: "enterprise_change_registration", cases: 4000, channels: onlineChannels, districts: cityDistricts, elapsed: oneDay},
			{item: "enterprise_deregistration", cases: 1500, channels: onlineChannels, districts: cityDistricts, elapsed: oneDay},
			{item: "first_invoice", cases: 3000, channels: onlineChannels, districts: cityDistricts, elapsed: sameDay},
			{item: "investment_project_filing", cases: 1200, channels: onlineChannels, districts: projectDistricts, elapsed: oneDay},
			{item: "housing_fund_employer_registration", cases: 800, channels: onlineChannels, districts: cityDistricts, elapsed: oneDay},
		},
		// The general windows' items, all with the window mix and the
		// promised 10 working days.
		inGroup(generalWindow, tenDay, []itemProfile{
			{item: "food_business_license", cases: 3000, districts: cityDistricts, licence: &licenceProfile{"food_business_license", operators, 2, 0.9}},
			{item: "drug_retail_license", cases: 600, districts: cityDistricts, licence: &licenceProfile{"drug_business_license", enterprises, 3, 0.8}},
			{item: "medical_institution_license", cases: 400, districts: cityDistricts, licence: &licenceProfile{"medical_institution_license", operators, 3, 0.8}},
			{item: "road_transport_license", cases: 800, districts: cityDistricts, licence: &licenceProfile{"road_transport_license", operators, 2, 0.8}},
			{item: "pollutant_discharge_permit", cases: 300, districts: projectDistricts, licence: &licenceProfile{"pollutant_discharge_permit", enterprises, 3, 0.9}},
			{item: "land_use_planning_permit", cases: 250, districts: projectDistricts, licence: &licenceProfile{"land_use_planning_permit", enterprises, 2, 1}},
			{item: "construction_planning_permit", cases: 350, districts: projectDistricts, licence: &licenceProfile{"construction_planning_permit", enterprises, 2, 1}},
			{item: "pension_transfer", cases: 2500, districts: cityDistricts},
			{item: "unemployment_benefit_claim", cases: 3000, districts: cityDistricts},
			{item: "medical_expense_reimbursement", cases: 2500, districts: cityDistricts},
			{item: "housing_fund_loan", cases: 2000, districts: cityDistricts},
			{item: "residence_permit", cases: 1500, districts: cityDistricts},
			{item: "household_registration_transfer", cases: 1200, districts: cityDistricts},
			{item: "social_organization_registration", cases: 200, districts: cityDistricts},
			{item: "nurse_practice_registration", cases: 600, districts: cityDistricts},
		}),
		[]itemProfile{
			{item: "special_equipment_registration", cases: 1500, channels: someWindow, districts: cityDistricts, elapsed: fiveDay},
			{item: "completion_acceptance_filing", cases: 1200, channels: someWindow, districts: projectDistricts, elapsed: fiveDay},
			{item: "legal_aid_application", cases: 600, channels: someWindow, districts: cityDistricts, elapsed: binomial(0, 7, 0.3)},

			{item: "real_estate_transfer_registration", cases: 6000, channels: realEstate, districts: cityDistricts, elapsed: threeDay,
				licence: &licenceProfile{"real_estate_certificate", owners, 2, 0.7}},
			{item: "real_estate_mortgage_registration", cases: 5000, channels: realEstate, districts: cityDistricts, elapsed: threeDay},
			{item: "real_estate_first_registration", cases: 1000, channels: realEstate, districts: projectDistricts, elapsed: threeDay,
				licence: &licenceProfile{"real_estate_certificate", enterprises, 2, 0.7}},

			// Connections average 4.4 / 2 / 9 working days: the report's 6 / 3 /
			// 12 or better, never past the promise.
			{item: "gas_connection", cases: 1500, channels: utilityChannels, districts: cityDistricts, elapsed: binomial(2, 4, 0.6)},
			{item: "water_connection", cases: 1800, channels: utilityChannels, districts: cityDistricts, elapsed: binomial(1, 2, 0.5)},
			{item: "power_connection", cases: 2200, channels: utilityChannels, districts: cityDistricts, elapsed: binomial(6, 6, 0.5)},
		},
	)
}

// inGroup gives each of profiles the channel mix and the durations its
// group shares, so that the group's rows state only what sets them apart.
func inGroup(channels []weighted[string], e elapsed, profiles []itemProfile) []itemProfile {
	for i := range profiles {
		profiles[i].channels, profiles[i].elapsed = channels, e
	}
	return profiles
}

// Construction projects: the report's 1,914 permits worth 200.7 billion CNY
// a year, each after a full approval within 85 working days.
const (
	permitsPerYear       = 1914
	permitValuePerYear   = 200.7e9
	projectItem          = "construction_project_full_approval"
	permitItem           = "construction_permit"
	permitLicenceType    = "construction_permit"
	projectStages        = 4 // 立项用地规划, 工程建设许可, 施工许可, 竣工验收
	projectRejectedShare = 0.02
	projectWithdrawShare = 0.01
)

// projectElapsed is a full approval's working days: 40 to 85, about 62.
var projectElapsed = binomial(40, 45, 0.5)

// Lawsuit hearings: agency heads or their deputies appear at every one.
const (
	hearingsPerYear = 240
	headShare       = 0.35 // the rest are deputy heads
)

// Case outcomes and help.
const (
	rejectedShare        = 0.02
	withdrawnShare       = 0.01
	instantRejectedShare = 0.005
	assistedAtWindow     = 0.08 // 帮办代办 at the windows
	assistedElsewhere    = 0.03
)

// Sued agencies with their share of hearings.
var suedAgencies = []weighted[string]{
	{"qd-zrzy", 18}, {"qd-rsj", 14}, {"qd-gaj", 10}, {"qd-zjj", 10}, {"qd-gov", 8},
	{"qd-bdc", 6}, {"qd-scjg", 6}, {"qd-xzsp", 4}, {"qd-sthj", 3}, {"qd-jtj", 3},
	{"qd-ybj", 2}, {"qd-gjj", 2}, {"qd-swj", 2}, {"qd-mzj", 1}, {"qd-wjw", 1},
	{"qd-gov-shinan", 2}, {"qd-gov-shibei", 2}, {"qd-gov-licang", 1}, {"qd-gov-laoshan", 1},
	{"qd-gov-huangdao", 3}, {"qd-gov-chengyang", 2}, {"qd-gov-jimo", 2}, {"qd-gov-jiaozhou", 1},
	{"qd-gov-pingdu", 1}, {"qd-gov-laixi", 1},
}

// Courts hearing administrative cases: the intermediate court for suits
// against governments, else the railway court (which has centralised
// jurisdiction over administrative cases) or a district court.
var (
	basicCourts = []weighted[string]{
		{"qd-court-railway", 60}, {"qd-court-shinan", 5}, {"qd-court-shibei", 5}, {"qd-court-licang", 3},
		{"qd-court-laoshan", 3}, {"qd-court-huangdao", 8}, {"qd-court-chengyang", 4}, {"qd-court-jimo", 4},
		{"qd-court-jiaozhou", 3}, {"qd-court-pingdu", 3}, {"qd-court-laixi", 2},
	}
	courtPrefix = map[string]string{
		"qd-court-intermediate": "鲁02", "qd-court-railway": "鲁7101", "qd-court-shinan": "鲁0202",
		"qd-court-shibei": "鲁0203", "qd-court-licang": "鲁0213", "qd-court-laoshan": "鲁0212",
		"qd-court-huangdao": "鲁0211", "qd-court-chengyang": "鲁0214", "qd-court-jimo": "鲁0215",
		"qd-court-jiaozhou": "鲁0281", "qd-court-pingdu": "鲁0283", "qd-court-laixi": "鲁0285",
	}
)

// districtCode is the administrative division code permits are numbered by.
var districtCode = map[string]string{
	"shinan": "370202", "shibei": "370203", "huangdao": "370211", "laoshan": "370212",
	"licang": "370213", "chengyang": "370214", "jimo": "370215", "jiaozhou": "370281",
	"pingdu": "370283", "laixi": "370285",
}

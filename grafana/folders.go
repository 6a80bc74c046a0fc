package grafana

// Folder is a Grafana folder of boards for one audience. The dashboards
// provider provisions each from its own directory.
type Folder struct {
	// UID is the folder's uid in Grafana.
	UID string
	// Title is what Grafana shows: Chinese, then English.
	Title string
	// Dir is the folder's directory under the dashboards directory.
	Dir string
}

// The audiences' folders, in the order Grafana's provider lists them.
var (
	folderReformOffice = Folder{UID: "govpulse-reform-office", Title: "改革办 Reform office", Dir: "reform-office"}
	folderDepartments  = Folder{UID: "govpulse-departments", Title: "部门 Departments", Dir: "departments"}
	folderOperations   = Folder{UID: "govpulse-operations", Title: "运维 Operations", Dir: "operations"}
	folderPortal       = Folder{UID: "govpulse-portal", Title: "政策通 Portal", Dir: "portal"}
)

// Folders returns every folder a board is provisioned into.
func Folders() []Folder {
	return []Folder{folderReformOffice, folderDepartments, folderOperations, folderPortal}
}

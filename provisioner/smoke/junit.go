package smoke

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"
)

// JUnit XML, in the shape CI systems read (the Ant/Jenkins dialect):
//
//	<testsuites name="tenantctl smoke" tests= failures= errors= skipped= time=>
//	  <testsuite name="tenantctl smoke <tenant>" tests= failures= errors= skipped= time= timestamp=>
//	    <properties><property name="project|tenant|template|host|expires|outcome" value=.../></properties>
//	    <testcase name="provision" classname="tenantctl.smoke.<template>" time=>
//	      <error message="provisioning failed" type="provision">…the error, last log lines…</error>
//	    <testcase name="<check name>" classname="tenantctl.smoke.<template>.<http|exec>" time=>
//	      <failure message="<reason>" type="<http|exec>">…probe and reason…</failure> | <skipped message=…/>
//	    <testcase name="cleanup" classname="tenantctl.smoke.<template>" time=>
//	      <failure …/> when something remains | <skipped message="kept …"/> with --keep-on-failure
//
// A check cut short by the timeout is an error, not a failure.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML.
func WriteJUnit(w io.Writer, rep *Report) error {
	class := "tenantctl.smoke." + rep.Template
	s := junitSuite{
		Name:      "tenantctl smoke " + rep.Tenant,
		Time:      seconds(rep.Duration),
		Timestamp: rep.Started.UTC().Format(time.RFC3339),
		Properties: []junitProperty{
			{"project", rep.Project}, {"tenant", rep.Tenant}, {"template", rep.Template}, {"host", rep.Host},
			{"expires", rep.Expires.UTC().Format(time.RFC3339)}, {"outcome", string(rep.Outcome)},
		},
	}

	prov := junitCase{Name: "provision", Classname: class, Time: seconds(rep.Provision.Duration)}
	if !rep.Provision.Passed {
		prov.Error = &junitProblem{Message: "provisioning " + failedWord(rep.Outcome), Type: "provision", Text: rep.Provision.Error}
	}
	s.Cases = append(s.Cases, prov)

	for _, c := range rep.Checks {
		tc := junitCase{Name: c.Name, Classname: class + "." + c.Kind, Time: seconds(c.Duration)}
		switch {
		case c.Skipped:
			tc.Skipped = &junitProblem{Message: "not run: " + notRunReason(rep)}
		case c.Passed:
		case rep.Outcome == TimedOut || rep.Outcome == Interrupted:
			tc.Error = &junitProblem{Message: c.Message, Type: c.Kind, Text: c.Probe + "\n" + c.Message}
		default:
			tc.Failure = &junitProblem{Message: c.Message, Type: c.Kind, Text: c.Probe + "\n" + c.Message}
		}
		s.Cases = append(s.Cases, tc)
	}

	clean := junitCase{Name: "cleanup", Classname: class, Time: seconds(rep.Cleanup.Duration)}
	switch {
	case rep.Cleanup.Kept:
		clean.Skipped = &junitProblem{Message: "kept for debugging (--keep-on-failure); remove it with: " + rep.Cleanup.Command}
	case !rep.Cleanup.Done:
		clean.Failure = &junitProblem{Message: rep.Cleanup.Error, Type: "cleanup", Text: rep.Cleanup.Error + "\nremove the rest with: " + rep.Cleanup.Command}
	}
	s.Cases = append(s.Cases, clean)

	for _, tc := range s.Cases {
		s.Tests++
		switch {
		case tc.Failure != nil:
			s.Failures++
		case tc.Error != nil:
			s.Errors++
		case tc.Skipped != nil:
			s.Skipped++
		}
	}
	doc := junitSuites{Name: "tenantctl smoke", Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Skipped: s.Skipped, Time: s.Time, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// notRunReason says why checks were skipped.
func notRunReason(rep *Report) string {
	switch rep.Outcome {
	case TimedOut:
		return "the time ran out"
	case Interrupted:
		return "the run was interrupted"
	}
	return "provisioning failed"
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

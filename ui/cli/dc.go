package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"ztm/model"
	"ztm/oauth"
	"ztm/ui/app"
)

// NewCmdDC is `ztm dc list|sync`.
func NewCmdDC(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dc list|sync",
		Short: "show Zoho's data centers, and compare them with Zoho's own list",
		Example: `  ztm dc list
  ztm dc sync --write datacenters.json`,
		Args: needsSubcommand,
		RunE: func(*cobra.Command, []string) error { return nil },
	}
	cmd.AddCommand(NewCmdDCList(f, nil), NewCmdDCSync(f, nil))
	return cmd
}

// DCListOptions are the options of ztm dc list.
type DCListOptions struct {
	F    *Factory
	JSON bool
}

// NewCmdDCList is `ztm dc list [--json]`.
func NewCmdDCList(f *Factory, runF func(*DCListOptions) error) *cobra.Command {
	o := &DCListOptions{F: f}
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "print the data-center table ztm uses",
		Long: `The built-in table with any ZTM_DATACENTERS overrides: each data center's id,
name, location code, accounts server, API domain and API console. A * marks
what no Zoho page confirms yet.`,
		Example: "  ztm dc list",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return runDCList(o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the table as JSON, in the format ZTM_DATACENTERS reads")
	return cmd
}

func runDCList(o *DCListOptions) error {
	e := o.F.Env
	dcs, err := app.LoadDataCenters(o.F.appEnv())
	if err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(e, dcs.All())
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tLOCATION\tACCOUNTS SERVER\tAPI DOMAIN\tAPI CONSOLE")
	marked := false
	for _, dc := range dcs.All() {
		field := func(name, v string) string {
			v = model.Printable(v)
			if !dc.Confirmed(name) {
				marked = true
				v += " *"
			}
			return v
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", model.Printable(dc.ID), model.Printable(dc.Name), model.Printable(dc.Location),
			field("accounts_server", dc.AccountsServer), field("api_domain", dc.APIDomain), field("api_console", dc.APIConsole))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if marked {
		fmt.Fprintln(e.Stdout, "\n* not confirmed by a Zoho page yet")
	}
	return nil
}

// DCSyncOptions are the options of ztm dc sync.
type DCSyncOptions struct {
	F     *Factory
	Write string
	Force bool
	JSON  bool
}

// NewCmdDCSync is `ztm dc sync [--write FILE [--force]] [--json]`.
func NewCmdDCSync(f *Factory, runF func(context.Context, *DCSyncOptions) error) *cobra.Command {
	o := &DCSyncOptions{F: f}
	cmd := &cobra.Command{
		Use:   "sync [--write FILE [--force]] [--json]",
		Short: "compare the table with Zoho's list of accounts servers",
		Long: `Reads Zoho's list of accounts servers (GET /oauth/serverinfo at the table's US
accounts server, https://accounts.zoho.com) and shows what differs from the
table ztm uses: data centers Zoho lists that the table lacks, servers that
moved, and table entries Zoho does not list (kept: China has its own list).

--write FILE writes the added and moved servers as a file for ZTM_DATACENTERS
(mode 0600); an existing file is overwritten only with --force. The file holds
what differs from the table in use now, ZTM_DATACENTERS included; written over
the file ZTM_DATACENTERS names, it updates that file's entries and keeps the
others.

When a vault exists, Zoho's list is also kept in its settings (not a secret),
so a pasted redirect URL naming a server on that list is trusted; any other
server not in the table, nor the profile's own, is refused before a secret
is sent.`,
		Example: `  ztm dc sync
  ztm dc sync --write ~/.config/ztm/datacenters.json && export ZTM_DATACENTERS=~/.config/ztm/datacenters.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Force && o.Write == "" {
				return usagef("--force goes with --write FILE: %s", usageLine(cmd))
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runDCSync(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Write, "write", "", "write the differences as a ZTM_DATACENTERS file")
	cmd.Flags().BoolVar(&o.Force, "force", false, "with --write: overwrite an existing file")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print Zoho's list and the differences as JSON")
	return cmd
}

func runDCSync(ctx context.Context, o *DCSyncOptions) error {
	e := o.F.Env
	if o.Write != "" && !o.Force {
		// Say so before asking Zoho anything.
		if _, err := os.Lstat(o.Write); err == nil {
			return usagef("%s exists: --force overwrites it", cut(o.Write))
		}
	}
	sync, err := app.SyncDataCenters(ctx, o.F.appEnv())
	if err != nil {
		return err
	}
	kept := keepServerList(ctx, o.F, sync.List)
	if o.JSON {
		err = writeJSON(e, dcSyncJSON(sync))
	} else {
		err = printDCSync(e.Stdout, sync, kept)
	}
	if err != nil || o.Write == "" {
		return err
	}
	d := sync.Diff
	if len(d.Added) == 0 && len(d.Changed) == 0 {
		fmt.Fprintf(e.Stderr, "the table already has every server on Zoho's list: nothing written to %s\n", cut(o.Write))
		return nil
	}
	data := oauth.RenderOverrides(d)
	cur := e.Getenv(oauth.DataCentersEnv)
	inUse := cur != "" && sameFile(cur, o.Write)
	if inUse {
		// The diff is against the table this very file makes: writing the
		// diff alone would drop what the file set before.
		if data, err = mergeOverrides(o.Write, data); err != nil {
			return err
		}
	}
	if err := writeOverrides(o.Write, data, o.Force); err != nil {
		return err
	}
	switch {
	case inUse:
		fmt.Fprintf(e.Stderr, "updated %s, which %s names: its other entries are kept\n", cut(o.Write), oauth.DataCentersEnv)
	case cur != "":
		fmt.Fprintf(e.Stderr, "wrote %s; note: %s names %s now, and the new file holds only what still differs from it: merge the two\n",
			cut(o.Write), oauth.DataCentersEnv, cut(cur))
	default:
		fmt.Fprintf(e.Stderr, "wrote %s: point %s at it to use it\n", cut(o.Write), oauth.DataCentersEnv)
	}
	return nil
}

// mergeOverrides puts the entries of add over those of the override file
// at path, matching them by id, and returns the whole list.
func mergeOverrides(path string, add []byte) ([]byte, error) {
	old, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var list, news []map[string]any
	if err := json.Unmarshal(old, &list); err != nil {
		return nil, fmt.Errorf("%s is not a JSON list of data centers (%v): fix it, or write elsewhere", cut(path), err)
	}
	if err := json.Unmarshal(add, &news); err != nil {
		return nil, err
	}
	byID := map[string]map[string]any{}
	for _, dc := range list {
		if id, ok := dc["id"].(string); ok {
			byID[strings.ToUpper(id)] = dc
		}
	}
	for _, n := range news {
		id, _ := n["id"].(string)
		if dc, ok := byID[strings.ToUpper(id)]; ok {
			for k, v := range n {
				dc[k] = v
			}
			continue
		}
		list = append(list, n)
	}
	out, err := json.MarshalIndent(list, "", "  ")
	return append(out, '\n'), err
}

// keepServerList saves Zoho's list in the vault when there is one; it
// reports whether it did. Failing to is a warning: the list was shown.
func keepServerList(ctx context.Context, f *Factory, l app.ServerList) bool {
	p, err := f.Paths()
	if err != nil || !p.Exists() {
		return false
	}
	s, err := f.ForChange().Open()
	if err == nil {
		err = s.SaveServerList(ctx, l)
		s.Close()
	}
	if err != nil {
		fmt.Fprintf(f.Env.Stderr, "ztm: warning: Zoho's list was not kept in the vault: %s\n", oneLine(err))
		return false
	}
	return true
}

// writeOverrides writes data to path with mode 0600: a new file only,
// unless force, when a temp file beside it replaces it whole.
func writeOverrides(path string, data []byte, force bool) error {
	if !force {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return usagef("%s exists: --force overwrites it", cut(path))
		}
		if err != nil {
			return err
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ztm-dc-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// sameFile reports whether two paths name one file.
func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// printDCSync writes the comparison for people.
func printDCSync(w io.Writer, s app.DCSync, kept bool) error {
	us, _ := s.DCs.ByID("US")
	fmt.Fprintf(w, "Zoho's list (%s/oauth/serverinfo) names %d locations.\n", model.Printable(us.AccountsServer), len(s.List.Locations))
	d := s.Diff
	if len(d.Added) == 0 && len(d.Changed) == 0 {
		fmt.Fprintln(w, "The table has every server on it.")
	}
	section := func(title string, cs []oauth.ServerChange, show func(oauth.ServerChange) string) {
		if len(cs) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s:\n", title)
		for _, c := range cs {
			fmt.Fprintf(w, "  %-4s %-4s %s\n", model.Printable(c.ID), model.Printable(c.Location), show(c))
		}
	}
	section("On Zoho's list, not in the table", d.Added, func(c oauth.ServerChange) string { return model.Printable(c.Zoho) })
	section("Moved", d.Changed, func(c oauth.ServerChange) string {
		return fmt.Sprintf("%s -> %s", model.Printable(c.Table), model.Printable(c.Zoho))
	})
	section("In the table, not on Zoho's list (kept)", d.Missing, func(c oauth.ServerChange) string { return model.Printable(c.Table) })
	if kept {
		fmt.Fprintln(w, "\nKept Zoho's list in the vault: pasted redirects naming its servers are trusted.")
	}
	return nil
}

// dcSyncJSON is ztm dc sync --json.
func dcSyncJSON(s app.DCSync) map[string]any {
	change := func(cs []oauth.ServerChange) []map[string]string {
		out := []map[string]string{}
		for _, c := range cs {
			out = append(out, map[string]string{"id": c.ID, "location": c.Location, "table": c.Table, "zoho": c.Zoho})
		}
		return out
	}
	return map[string]any{
		"locations":  s.List.Locations,
		"added":      change(s.Diff.Added),
		"changed":    change(s.Diff.Changed),
		"missing":    change(s.Diff.Missing),
		"fetched_at": s.List.FetchedAt,
	}
}

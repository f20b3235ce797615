// Who receives credits: CSV lines pasted or a .csv file uploaded, checked
// line by line before anything is signed, and once sending, each line's state.
import { useState } from "react";
import type { Recipients as Parsed, RecipientRow } from "../lib/csv";
import type { TxState } from "../lib/tx";
import { formatCredits } from "../lib/units";
import { RowStatus } from "./BatchProgress";

export const rowKey = (row: RecipientRow) => `line-${row.line}`;

interface Props {
  text: string;
  onText: (text: string) => void;
  parsed: Parsed;
  states: Record<string, TxState>;
  attempts: Record<string, number>;
  locked: boolean;
  /** The form-level problem (none given, or lines with problems), once the form was submitted. */
  error?: string;
}

export function Recipients({ text, onText, parsed, states, attempts, locked, error }: Props) {
  const [fileNote, setFileNote] = useState<string>();
  const onFile = async (file: File | undefined) => {
    if (!file) return;
    // A spreadsheet's export is small; anything huge is not a recipient list.
    if (file.size > 2_000_000) return setFileNote(`${file.name} is ${Math.round(file.size / 1e6)} MB: a recipient list is smaller.`);
    onText(await file.text());
    setFileNote(`Read ${file.name}: its lines are below and in the box above, where you can still edit them.`);
  };
  return (
    <fieldset className="card" disabled={locked}>
      <legend>
        <h2>Recipients</h2>
      </legend>
      <label htmlFor="recipients-csv">
        Recipients as CSV
        <span className="hint" id="recipients-hint">
          One recipient a line: address,amount (whole credits). A header line is optional.
        </span>
      </label>
      <textarea
        id="recipients-csv"
        rows={6}
        value={text}
        spellCheck={false}
        placeholder={"address,amount\n0x…,100"}
        onChange={(e) => onText(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? "recipients-hint recipients-error" : "recipients-hint"}
      />
      {error && (
        <span className="field-error" id="recipients-error">
          {error}
        </span>
      )}
      <label htmlFor="recipients-file">Or upload a .csv file</label>
      <input id="recipients-file" type="file" accept=".csv,text/csv,text/plain" onChange={(e) => onFile(e.target.files?.[0])} />
      {fileNote && <p className="hint">{fileNote}</p>}
      {parsed.rows.length > 0 && (
        <>
          <p>
            {parsed.valid.length} {parsed.valid.length === 1 ? "recipient" : "recipients"}, {formatCredits(parsed.total)} in all
          </p>
          <table>
            <caption className="notice">Each line as read, and its check or its transaction</caption>
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Address</th>
                <th scope="col">Amount</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {parsed.rows.map((row) => (
                <tr key={row.line} data-line={row.line}>
                  <td>{row.line}</td>
                  <td>
                    <code>{row.address ?? row.addressText}</code>
                  </td>
                  <td>{row.amount !== undefined ? formatCredits(row.amount) : row.amountText}</td>
                  <td>
                    {row.problems.length > 0 ? (
                      <span className="field-error">Line {row.line}: {row.problems.join("; ")}.</span>
                    ) : (
                      <RowStatus state={states[rowKey(row)]} attempt={attempts[rowKey(row)]} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </fieldset>
  );
}

using System.Text;

namespace GrpcRuntime.CodeGen;

/// <summary>Accumulates indented C# source, one line at a time.</summary>
internal sealed class CodeWriter
{
    private const string IndentUnit = "    ";
    private readonly StringBuilder text = new();
    private int depth;

    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0)
        {
            for (var i = 0; i < depth; i++)
            {
                text.Append(IndentUnit);
            }

            text.Append(line);
        }

        text.Append('\n');
        return this;
    }

    /// <summary>Writes <paramref name="header"/> and an opening brace, indenting until <see cref="Close"/>.</summary>
    public CodeWriter Open(string header)
    {
        Line(header);
        Line("{");
        depth++;
        return this;
    }

    public CodeWriter Close(string closing = "}")
    {
        depth--;
        Line(closing);
        return this;
    }

    public override string ToString() => text.ToString();
}

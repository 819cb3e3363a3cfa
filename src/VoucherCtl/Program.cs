using Spectre.Console;
using VoucherCtl;

using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};

return await VoucherCtlApp.RunAsync(args, AnsiConsole.Console, stopping.Token);

namespace VoucherCtl;

/// <summary>What voucherctl's exit status means; scripts and cron jobs branch on these.</summary>
public static class ExitCodes
{
    /// <summary>Done; for a reconciliation: no difference found.</summary>
    public const int Clean = 0;

    /// <summary>A reconciliation found differences (whether or not <c>--repair</c> fixed them).</summary>
    public const int DifferencesFound = 1;

    /// <summary>The command line was wrong, or the service refused the request as given (bad or unknown campaign, no permission).</summary>
    public const int UsageError = 2;

    /// <summary>The service could not be reached or did not answer in time.</summary>
    public const int Unreachable = 3;

    /// <summary>The service answered with an error of its own.</summary>
    public const int ServiceError = 4;
}

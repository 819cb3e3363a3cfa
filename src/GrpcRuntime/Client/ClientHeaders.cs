using System.Globalization;
using System.Net.Http.Headers;
using GrpcRuntime.Internal;

namespace GrpcRuntime.Client;

/// <summary>Conversions between Metadata and HTTP/2 header fields on the client side.</summary>
internal static class ClientHeaders
{
    /// <summary>Metadata key through which a caller picks the request compression, as in grpc-dotnet.</summary>
    public const string RequestEncodingKey = "grpc-internal-encoding-request";

    public const string GrpcStatus = "grpc-status";
    public const string GrpcMessage = "grpc-message";
    public const string GrpcEncoding = "grpc-encoding";
    public const string GrpcAcceptEncoding = "grpc-accept-encoding";
    public const string GrpcTimeout = "grpc-timeout";
    public const string RetryPushback = "grpc-retry-pushback-ms";
    public const string PreviousAttempts = "grpc-previous-rpc-attempts";

    public static void AddMetadata(HttpRequestHeaders headers, Metadata? metadata)
    {
        if (metadata is null)
        {
            return;
        }

        foreach (var entry in metadata)
        {
            if (entry.Key == RequestEncodingKey || GrpcProtocol.IsReservedHeader(entry.Key))
            {
                continue;
            }

            var value = entry.IsBinary ? GrpcProtocol.EncodeBinaryHeader(entry.ValueBytes) : entry.Value;
            headers.TryAddWithoutValidation(entry.Key, value);
        }
    }

    /// <summary>Response headers or trailers as Metadata, without transport headers and the status itself.</summary>
    public static Metadata ToMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var header in headers.NonValidated)
        {
            var key = header.Key.ToLowerInvariant();
            if (key is GrpcStatus or GrpcMessage || GrpcProtocol.IsReservedHeader(key))
            {
                continue;
            }

            foreach (var value in header.Value)
            {
                TryAddEntry(metadata, key, value);
            }
        }

        return metadata;
    }

    /// <summary>The status carried by these headers, or null when they have no grpc-status.</summary>
    public static Status? ReadStatus(HttpHeaders headers)
    {
        if (!headers.NonValidated.TryGetValues(GrpcStatus, out var statusValues))
        {
            return null;
        }

        var raw = statusValues.ToString().Trim();
        var detail = headers.NonValidated.TryGetValues(GrpcMessage, out var messageValues)
            ? GrpcProtocol.PercentDecodeMessage(messageValues.ToString())
            : string.Empty;
        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return new Status(StatusCode.Unknown, $"Unexpected grpc-status value '{raw}'. {detail}".TrimEnd());
        }

        // Codes this runtime does not know are UNKNOWN to the application, as the gRPC spec asks.
        var statusCode = code <= (int)StatusCode.Unauthenticated ? (StatusCode)code : StatusCode.Unknown;
        return new Status(statusCode, detail);
    }

    /// <summary>The server's retry pushback: null when absent, negative when it forbids retrying.</summary>
    public static TimeSpan? ReadRetryPushback(HttpHeaders headers)
    {
        if (!headers.NonValidated.TryGetValues(RetryPushback, out var values))
        {
            return null;
        }

        return int.TryParse(values.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? TimeSpan.FromMilliseconds(ms)
            : TimeSpan.FromMilliseconds(-1);
    }

    private static void TryAddEntry(Metadata metadata, string key, string value)
    {
        try
        {
            if (Metadata.Entry.IsBinaryKey(key))
            {
                // Several binary values may share one header field, comma-separated.
                foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    metadata.Add(key, GrpcProtocol.DecodeBinaryHeader(part));
                }
            }
            else
            {
                metadata.Add(key, value);
            }
        }
        catch (ArgumentException)
        {
            // A header that cannot be metadata (odd key characters, non-ASCII value) is not the
            // application's business; dropping it keeps the call alive.
        }
        catch (FormatException)
        {
            // Malformed base64 in a -bin header: same reasoning.
        }
    }
}

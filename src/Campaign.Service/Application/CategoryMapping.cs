using System.Text.RegularExpressions;
using Campaign.Service.Data;
using Campaign.Service.Domain;
using Vouchers.Campaign.V1;
using Vouchers.Common.V1;

namespace Campaign.Service.Application;

/// <summary>Category rows to campaign.v1 messages, and the shape of a category id.</summary>
public static partial class CategoryMapping
{
    [GeneratedRegex("^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*$")]
    public static partial Regex IdPattern();

    public static CategoryDefinition ToProto(CategoryRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new CategoryDefinition
        {
            CategoryId = record.Id,
            Name = record.Name,
            ParentCategoryId = record.ParentId,
            Active = record.Active,
            Version = record.Version,
            UpdatedAt = LocalTimes.ToTimestamp(record.UpdatedAt),
        };
    }
}


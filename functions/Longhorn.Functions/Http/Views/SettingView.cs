using Longhorn.Functions.ControlPlane.Settings;
using Longhorn.Functions.Resources;

namespace Longhorn.Functions.Http.Views;

/// <summary>A Longhorn setting with its default and meaning.</summary>
public sealed record SettingView(string Name, string Value, string Default, string Description)
{
    public static SettingView From(Setting s)
    {
        var definition = SettingDefinitions.Find(s.Name);
        return new(s.Name, s.Value, definition?.Default ?? "", definition?.Description ?? "");
    }
}
